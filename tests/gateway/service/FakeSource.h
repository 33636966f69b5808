#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/Error.h"
#include "common/Row.h"
#include "common/Value.h"
#include "connectors/Source.h"

namespace oncegate::testing {

// A department database in memory: answers from a table of (sql, params) -> row on its own
// worker thread, after an optional delay. It records every query, can be told to fail, and can
// hold queries until released (a hanging database).
class FakeSource : public Source {
 public:
  explicit FakeSource(std::string id) : id_(std::move(id)), worker_([this] { work(); }) {}

  ~FakeSource() override { shutDown(); }

  const std::string& id() const override { return id_; }

  void execute(SourceQuery query, Clock::time_point /*deadline*/, Completion done) override {
    std::lock_guard lock(mutex_);
    queries_.push_back(query);
    waiting_.push_back(Job{std::move(query), Clock::now() + delay_, std::move(done)});
    changed_.notify_all();
  }

  SourceStats stats() const override {
    std::lock_guard lock(mutex_);
    SourceStats stats;
    stats.queries = queries_.size();
    return stats;
  }

  void answer(const std::string& sql, std::vector<Value> params, std::optional<Row> row) {
    std::lock_guard lock(mutex_);
    answers_[key(sql, params)] = std::move(row);
  }
  void setDelay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    delay_ = delay;
  }
  void failWith(Error error) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(error);
  }
  // Queries stay unanswered until release().
  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    std::lock_guard lock(mutex_);
    held_ = false;
    changed_.notify_all();
  }

  std::vector<SourceQuery> queries() const {
    std::lock_guard lock(mutex_);
    return queries_;
  }
  // Queries received and not answered yet.
  std::size_t unanswered() const {
    std::lock_guard lock(mutex_);
    return waiting_.size() + (answering_ ? 1 : 0);
  }
  // True once `count` queries are waiting at the same time (a held source never answers them).
  bool waitForUnanswered(std::size_t count, std::chrono::milliseconds limit) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return waiting_.size() >= count; });
  }

  // True once every query received has been answered and its completion has returned.
  bool waitUntilAnswered(std::chrono::milliseconds limit) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return waiting_.empty() && !answering_; });
  }

  // Answers everything still waiting with a timeout (so that no completion is left behind) and
  // stops the worker.
  void shutDown() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
      changed_.notify_all();
    }
    worker_.join();
  }

 private:
  struct Job {
    SourceQuery query;
    Clock::time_point due;
    Completion done;
  };

  static std::string key(const std::string& sql, const std::vector<Value>& params) {
    std::string out = sql;
    for (const auto& param : params) {
      // Two appends, not "\x1f" + ...: GCC 12 at -O3 reports a false -Wrestrict on that.
      out += '\x1f';
      out += param.toString();
    }
    return out;
  }

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return stopping_ || (!held_ && !waiting_.empty()); });
      if (stopping_) break;
      const auto due = waiting_.front().due;
      if (changed_.wait_until(lock, due, [&] { return stopping_; })) break;
      if (held_) continue;
      Job job = std::move(waiting_.front());
      waiting_.pop_front();
      QueryOutcome outcome;
      if (failure_) {
        outcome.error = *failure_;
      } else {
        auto found = answers_.find(key(job.query.sql, job.query.params));
        if (found != answers_.end()) outcome.row = found->second;
      }
      answering_ = true;
      lock.unlock();
      job.done(std::move(outcome));
      lock.lock();
      answering_ = false;
      changed_.notify_all();
    }
    for (auto& job : waiting_) {
      lock.unlock();
      job.done(QueryOutcome{std::nullopt, Error(ErrorCode::SourceTimeout, "shut down"), {}});
      lock.lock();
    }
    waiting_.clear();
  }

  std::string id_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<SourceQuery> queries_;
  std::deque<Job> waiting_;
  std::map<std::string, std::optional<Row>> answers_;
  std::chrono::milliseconds delay_{0};
  std::optional<Error> failure_;
  bool held_ = false;
  bool answering_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace oncegate::testing

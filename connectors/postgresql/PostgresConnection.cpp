#include "connectors/postgresql/PostgresConnection.h"

namespace oncegate::postgres {

void PostgresConnection::setSocket(boost::asio::io_context& loop) {
  const int current = PQsocket(conn);
  if (current == fd && socket) return;
  if (socket) {
    socket->cancel();
    socket->release();  // libpq owns the descriptor
    socket.reset();
  }
  reading = false;
  writing = false;
  fd = current;
  if (fd >= 0) socket.emplace(loop, fd);
}

void PostgresConnection::close() {
  dead = true;
  ready = false;
  connectTimer.reset();
  dropTimer.reset();
  if (socket) {
    socket->cancel();
    socket->release();
    socket.reset();
  }
  reading = false;
  writing = false;
  fd = -1;
  if (conn != nullptr) PQfinish(conn);
  conn = nullptr;
}

}  // namespace oncegate::postgres

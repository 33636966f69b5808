#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "common/Error.h"
#include "mappings/MappingCatalog.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;

// Line numbers matter: errors about these items name base.yaml:LINE.
constexpr const char* kBase = R"(subjects:
  - { id: person, key: id_card, pattern: "^[0-9]{17}[0-9X]$" }
  - { id: org, key: credit_code, pattern: "^[0-9A-Z]{18}$" }
datasets:
  - id: hr.employee
    source: hr
    subject: person
    query: SELECT name, fund_account FROM employee WHERE id_card = :id_card
    params: { id_card: subject.id_card }
  - id: fund.account
    source: housing_fund
    subject: person
    query: SELECT balance FROM account WHERE account_no = :acct
    params: { acct: field.person.fund_account }
fields:
  - { id: person.name, dataset: hr.employee, column: name }
  - { id: person.fund_account, dataset: hr.employee, column: fund_account, sharing: none }
  - { id: fund.balance, dataset: fund.account, column: balance, type: decimal, scale: 2 }
forms:
  - id: retirement
    title: 机关事业单位人员退休
    purpose: retirement
    subject: person
    fields: [person.name, fund.balance, { id: applicant.statement, supplied_by: applicant }]
)";

const std::set<std::string> kSources{"hr", "housing_fund", "tax"};

void addDocument(MappingDocuments& documents, const std::string& text, const std::string& origin) {
  const auto root = ConfigNode::parse(text, origin);
  if (auto list = root.find("subjects")) documents.addSubjects(*list);
  if (auto list = root.find("datasets")) documents.addDatasets(*list);
  if (auto list = root.find("fields")) documents.addFields(*list);
  if (auto list = root.find("forms")) documents.addForms(*list);
}

MappingCatalog buildWith(const std::string& extra) {
  MappingDocuments documents;
  addDocument(documents, kBase, "base.yaml");
  if (!extra.empty()) addDocument(documents, extra, "test.yaml");
  return MappingCatalog::build(std::move(documents), kSources);
}

std::string buildError(const std::string& extra) {
  try {
    buildWith(extra);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  return "no error";
}

// A one-dataset document: the dataset is on line 2, its params on line 6.
std::string datasetDocument(const std::string& id, const std::string& source,
                            const std::string& subject, const std::string& params) {
  return "datasets:\n  - id: " + id + "\n    source: " + source + "\n    subject: " + subject +
         "\n    query: SELECT v FROM t WHERE k = :k\n    params: " + params + "\n";
}

TEST(MappingCatalogTest, LooksUpEverythingById) {
  const auto catalog = buildWith({});
  ASSERT_NE(catalog.subject("person"), nullptr);
  EXPECT_EQ(catalog.subject("person")->key(), "id_card");
  ASSERT_NE(catalog.dataset("fund.account"), nullptr);
  ASSERT_NE(catalog.field("fund.balance"), nullptr);
  EXPECT_EQ(catalog.field("fund.balance")->scale(), 2);
  ASSERT_NE(catalog.form("retirement"), nullptr);
  EXPECT_EQ(catalog.form("retirement")->entries().size(), 3u);
  EXPECT_TRUE(catalog.form("retirement")->entries()[2].suppliedByApplicant);
  EXPECT_EQ(catalog.subject("nobody"), nullptr);
  EXPECT_EQ(catalog.dataset("nope"), nullptr);
  EXPECT_EQ(catalog.field("person"), nullptr);
  EXPECT_EQ(catalog.form("nope"), nullptr);
  EXPECT_EQ(catalog.subjects().size(), 2u);
  EXPECT_EQ(catalog.datasets().size(), 2u);
  EXPECT_EQ(catalog.fields().size(), 3u);
  EXPECT_EQ(catalog.forms().size(), 1u);
}

TEST(MappingCatalogTest, ResolvesReferencesAndStages) {
  const auto catalog = buildWith({});
  const Field& balance = *catalog.field("fund.balance");
  const Dataset& account = catalog.datasetOf(balance);
  EXPECT_EQ(account.id(), "fund.account");
  EXPECT_EQ(catalog.subjectOf(account).id(), "person");
  EXPECT_EQ(catalog.subjectOf(balance).id(), "person");
  ASSERT_EQ(catalog.paramFields(account).size(), 1u);
  EXPECT_EQ(catalog.paramFields(account)[0], catalog.field("person.fund_account"));
  const Dataset& employee = *catalog.dataset("hr.employee");
  ASSERT_EQ(catalog.paramFields(employee).size(), 1u);
  EXPECT_EQ(catalog.paramFields(employee)[0], nullptr);
  EXPECT_EQ(catalog.stageOf(employee), 0);
  EXPECT_EQ(catalog.stageOf(account), 1);
}

TEST(MappingCatalogTest, CombinesSeveralDocuments) {
  const auto catalog =
      buildWith(datasetDocument("tax.income", "tax", "person", "{ k: subject.id_card }") +
                "fields:\n  - { id: tax.income, dataset: tax.income, column: v }\n");
  ASSERT_NE(catalog.field("tax.income"), nullptr);
  EXPECT_EQ(catalog.field("tax.income")->location(), "test.yaml:8");
  EXPECT_EQ(catalog.datasetOf(*catalog.field("tax.income")).source(), "tax");
}

TEST(MappingCatalogTest, SurvivesBeingMoved) {
  auto catalog = buildWith({});
  const Field* before = catalog.field("fund.balance");
  MappingCatalog moved = std::move(catalog);
  EXPECT_EQ(moved.field("fund.balance"), before);
  EXPECT_EQ(moved.datasetOf(*before).id(), "fund.account");
}

TEST(MappingCatalogTest, RejectsDatasetOnUnknownSource) {
  EXPECT_EQ(buildError(datasetDocument("x", "nowhere", "person", "{ k: subject.id_card }")),
            "test.yaml:2: dataset 'x' refers to unknown source 'nowhere'");
}

TEST(MappingCatalogTest, RejectsDatasetOnUnknownSubjectType) {
  EXPECT_EQ(buildError(datasetDocument("x", "hr", "vehicle", "{ k: subject.plate }")),
            "test.yaml:2: dataset 'x' refers to unknown subject type 'vehicle'");
}

TEST(MappingCatalogTest, RejectsSubjectParamThatIsNotTheKey) {
  EXPECT_EQ(buildError(datasetDocument("x", "hr", "person", "{ k: subject.credit_code }")),
            "test.yaml:6: parameter 'k' of dataset 'x' uses subject.credit_code, but the key of "
            "subject type 'person' is id_card");
}

TEST(MappingCatalogTest, RejectsChainedParamOnUnknownField) {
  EXPECT_EQ(buildError(datasetDocument("x", "hr", "person", "{ k: field.person.nope }")),
            "test.yaml:6: parameter 'k' of dataset 'x' refers to unknown field 'person.nope'");
}

TEST(MappingCatalogTest, RejectsChainedFieldOfAnotherSubjectType) {
  EXPECT_EQ(buildError(datasetDocument("x", "hr", "org", "{ k: field.person.fund_account }")),
            "test.yaml:6: parameter 'k' of dataset 'x' uses field 'person.fund_account' of "
            "subject type 'person', but the dataset is about 'org'");
}

TEST(MappingCatalogTest, RejectsCycleAmongChainedDatasetsNamingThePath) {
  const std::string cycle = R"(datasets:
  - id: a
    source: hr
    subject: person
    query: SELECT v FROM t WHERE k = :k
    params: { k: field.c.v }
  - id: b
    source: hr
    subject: person
    query: SELECT v FROM t WHERE k = :k
    params: { k: field.a.v }
  - id: c
    source: hr
    subject: person
    query: SELECT v FROM t WHERE k = :k
    params: { k: field.b.v }
fields:
  - { id: a.v, dataset: a, column: v }
  - { id: b.v, dataset: b, column: v }
  - { id: c.v, dataset: c, column: v }
)";
  EXPECT_EQ(buildError(cycle), "test.yaml:2: chained datasets form a cycle: a -> c -> b -> a");
}

TEST(MappingCatalogTest, RejectsDatasetChainedOnItself) {
  EXPECT_EQ(buildError(datasetDocument("x", "hr", "person", "{ k: field.x.v }") +
                       "fields:\n  - { id: x.v, dataset: x, column: v }\n"),
            "test.yaml:2: chained datasets form a cycle: x -> x");
}

TEST(MappingCatalogTest, RejectsFieldOnUnknownDataset) {
  EXPECT_EQ(buildError("fields:\n  - { id: person.age, dataset: hr.nope, column: age }\n"),
            "test.yaml:2: field 'person.age' refers to unknown dataset 'hr.nope'");
}

TEST(MappingCatalogTest, RejectsDuplicateIds) {
  EXPECT_EQ(buildError("fields:\n  - { id: person.name, dataset: hr.employee, column: nm }\n"),
            "test.yaml:2: duplicate field id 'person.name' (first defined at base.yaml:16)");
  EXPECT_EQ(buildError(datasetDocument("hr.employee", "hr", "person", "{ k: subject.id_card }")),
            "test.yaml:2: duplicate dataset id 'hr.employee' (first defined at base.yaml:5)");
  EXPECT_EQ(buildError("subjects:\n  - { id: org, key: code, pattern: \"^x$\" }\n"),
            "test.yaml:2: duplicate subject type id 'org' (first defined at base.yaml:3)");
}

TEST(MappingCatalogTest, RejectsFormProblems) {
  const std::string forms = R"(forms:
  - id: pension
    title: Pension
    purpose: retirement
    subject: person
    fields: [person.name, person.nope, person.name]
  - id: company
    title: Company
    purpose: licence
    subject: vehicle
    fields: [fund.balance]
)";
  const auto message = buildError(forms);
  EXPECT_THAT(message, HasSubstr("test.yaml:6: form 'pension' refers to unknown field "
                                 "'person.nope'"));
  EXPECT_THAT(message, HasSubstr("test.yaml:6: form 'pension' lists field 'person.name' twice"));
  EXPECT_THAT(message,
              HasSubstr("test.yaml:7: form 'company' refers to unknown subject type 'vehicle'"));
}

TEST(MappingCatalogTest, RejectsFormFieldOfAnotherSubjectType) {
  const std::string forms = R"(forms:
  - id: company
    title: Company
    purpose: licence
    subject: org
    fields:
      - fund.balance
)";
  EXPECT_EQ(buildError(forms),
            "test.yaml:7: form 'company' is about 'org', but field 'fund.balance' is about "
            "'person'");
}

TEST(MappingCatalogTest, ReportsEveryProblemOnItsOwnLine) {
  const auto message =
      buildError(datasetDocument("x", "nowhere", "vehicle", "{ k: subject.plate }") +
                 "fields:\n  - { id: person.age, dataset: hr.nope, column: age }\n");
  const auto lines = std::count(message.begin(), message.end(), '\n') + 1;
  EXPECT_EQ(lines, 3) << message;
  EXPECT_THAT(message, HasSubstr("test.yaml:2: dataset 'x' refers to unknown source 'nowhere'\n"));
  EXPECT_THAT(message, HasSubstr("test.yaml:2: dataset 'x' refers to unknown subject type"));
  EXPECT_THAT(message, HasSubstr("test.yaml:8: field 'person.age' refers to unknown dataset"));
}

TEST(MappingCatalogTest, RejectsTwoAuthoritativeSourcesOfOneIndicator) {
  const std::string fields = R"(fields:
  - { id: person.name2, dataset: hr.employee, column: name, indicator: { id: np.name, authoritative: true } }
  - { id: person.name3, dataset: hr.employee, column: name, indicator: { id: np.name } }
  - { id: person.name4, dataset: hr.employee, column: name, indicator: { id: np.name, authoritative: true } }
)";
  EXPECT_THAT(buildError(fields),
              HasSubstr("test.yaml:4: field 'person.name4' and field 'person.name2' (test.yaml:2) "
                        "are both the authoritative source of indicator 'np.name'"));
  EXPECT_NO_THROW(buildWith(R"(fields:
  - { id: person.name2, dataset: hr.employee, column: name, indicator: { id: np.name, authoritative: true } }
  - { id: person.name3, dataset: hr.employee, column: name, indicator: { id: np.name } }
)"));
}

TEST(MappingCatalogTest, AFormEntryNamesTheDocumentItReplaces) {
  const auto catalog = buildWith(R"(forms:
  - id: pension2
    title: Pension
    purpose: retirement
    subject: person
    fields: [{ id: fund.balance, replaces: 住房公积金缴存证明 }, person.name]
)");
  const auto* form = catalog.form("pension2");
  ASSERT_NE(form, nullptr);
  EXPECT_EQ(form->entries()[0].replaces, "住房公积金缴存证明");
  EXPECT_EQ(form->entries()[1].replaces, "");
}

TEST(MappingCatalogTest, RejectsReplacesThatIsEmptyOrOnAnApplicantsEntry) {
  const std::string form = R"(forms:
  - id: pension2
    title: Pension
    purpose: retirement
    subject: person
    fields: [{ id: fund.balance, replaces: "" }]
)";
  EXPECT_THAT(buildError(form), HasSubstr("test.yaml:6: expected a non-empty string"));
  const std::string applicant = R"(forms:
  - id: pension2
    title: Pension
    purpose: retirement
    subject: person
    fields: [{ id: applicant.note, supplied_by: applicant, replaces: 声明 }]
)";
  EXPECT_THAT(buildError(applicant), HasSubstr("replaces applies to shared fields"));
}

}  // namespace
}  // namespace oncegate

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "connectors/odbc/OdbcDialect.h"

namespace oncegate::odbc {
namespace {

TEST(OdbcDialectTest, KnowsMariaDbAndMySqlDriversByNameOrLibrary) {
  EXPECT_EQ(dialectOfDriver("MariaDB Unicode"), SqlDialect::MySql);
  EXPECT_EQ(dialectOfDriver("MySQL ODBC 8.0 Unicode Driver"), SqlDialect::MySql);
  EXPECT_EQ(dialectOfDriver("/usr/lib/x86_64-linux-gnu/odbc/libmaodbc.so"), SqlDialect::MySql);
  EXPECT_EQ(dialectOfDriver("/usr/local/lib/libmyodbc8w.so"), SqlDialect::MySql);
  EXPECT_EQ(dialectOfDriver("PostgreSQL Unicode"), SqlDialect::Standard);
  EXPECT_EQ(dialectOfDriver("SQLite3"), SqlDialect::Standard);
  EXPECT_EQ(dialectOfDriver(""), SqlDialect::Standard);
}

TEST(OdbcDialectTest, ReadsTheDriverOfAConnectionString) {
  EXPECT_EQ(odbcDialect("Driver=MariaDB Unicode;Server=db;Port=3306;Database=hr;User=og"),
            SqlDialect::MySql);
  EXPECT_EQ(odbcDialect("server=db; driver = {MariaDB Unicode} ;uid=og;pwd={a;b}"),
            SqlDialect::MySql);
  EXPECT_EQ(odbcDialect("DRIVER={MySQL ODBC 8.0 Unicode Driver};SERVER=db"), SqlDialect::MySql);
  EXPECT_EQ(odbcDialect("Driver=PostgreSQL Unicode;Server=db;Database=mysql_mirror"),
            SqlDialect::Standard);
  // A value that merely mentions MariaDB is not the driver.
  EXPECT_EQ(odbcDialect("Driver=SQLite3;Database=/data/mariadb-export.db"), SqlDialect::Standard);
  EXPECT_EQ(odbcDialect(""), SqlDialect::Standard);
  EXPECT_EQ(odbcDialect("Driver={unterminated"), SqlDialect::Standard);
}

// Departments often name a DSN, and register the driver under a name of their own: the DSN's
// driver and that driver's library (odbcinst.ini) tell the dialect. unixODBC reads ODBCSYSINI
// once per process, so the lookups run in a fresh one (a death test re-executes the binary).
TEST(OdbcDialectTest, FollowsADataSourceToItsDriverAndItsLibrary) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        char pattern[] = "/tmp/oncegate-odbc-dialect-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) std::_Exit(100);
        const std::filesystem::path directory = pattern;
        std::ofstream(directory / "odbcinst.ini")
            << "[Dept Connector]\nDriver=/usr/lib/x86_64-linux-gnu/odbc/libmaodbc.so\n\n"
               "[SQLite3]\nDriver=libsqlite3odbc.so\n";
        std::ofstream(directory / "odbc.ini") << "[hr_db]\nDriver=Dept Connector\nServer=db\n\n"
                                                 "[tax_db]\nDriver=SQLite3\nDatabase=/tmp/tax.db\n";
        ::setenv("ODBCSYSINI", directory.c_str(), 1);
        int wrong = 0;
        const auto expect = [&wrong](const char* connection, SqlDialect dialect) {
          if (odbcDialect(connection) == dialect) return;
          std::fprintf(stderr, "wrong dialect for %s\n", connection);
          ++wrong;
        };
        expect("DSN=hr_db;UID=og;PWD=x", SqlDialect::MySql);
        expect("dsn={HR_DB}", SqlDialect::MySql);
        expect("Driver=Dept Connector;Server=db", SqlDialect::MySql);
        expect("DSN=tax_db", SqlDialect::Standard);
        expect("DSN=no_such_dsn", SqlDialect::Standard);
        std::filesystem::remove_all(directory);
        std::_Exit(wrong);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace oncegate::odbc

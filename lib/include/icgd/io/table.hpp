// icgd/io/table.hpp — the summary table a demo prints at the end (fmt, fixed-width columns).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace icgd::io {

class SummaryTable {
 public:
  SummaryTable(std::string title, std::vector<std::string> headers);
  /// Cells are already formatted; a row shorter than the header is padded with blanks.
  void add_row(std::vector<std::string> cells);
  /// A horizontal rule between groups of rows.
  void add_rule();
  [[nodiscard]] std::string to_string() const;
  void print(std::FILE* stream = stdout) const;

 private:
  std::string title_;
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;  // an empty row is a rule
};

/// Formats a number for a table: 4 significant digits, "—" for NaN, "inf" for infinities.
[[nodiscard]] std::string cell(double value, int significant = 4);
/// "pass" / "FAIL".
[[nodiscard]] std::string verdict(bool passed);

}  // namespace icgd::io

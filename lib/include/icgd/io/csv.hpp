// icgd/io/csv.hpp — numeric curves as CSV (one header line, then rows of numbers).
//
// Curves are small (at most a few thousand rows), so a table is kept in memory and written at
// once, atomically, by RunDirectory. Numbers are written with 10 significant digits; a value
// that is not finite is written as `nan` (gnuplot skips it, and the result checker flags it).
#pragma once

#include "icgd/io/run_directory.hpp"

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace icgd::io {

class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> columns);

  /// Appends one row; its length must equal the number of columns.
  void add_row(std::vector<double> values);
  void add_row(std::initializer_list<double> values) { add_row(std::vector<double>(values)); }

  [[nodiscard]] const std::vector<std::string>& columns() const { return columns_; }
  [[nodiscard]] std::size_t rows() const { return rows_.size(); }
  [[nodiscard]] std::size_t column_index(std::string_view name) const;  // throws if absent
  [[nodiscard]] const std::vector<double>& row(std::size_t i) const { return rows_.at(i); }
  [[nodiscard]] std::vector<double> column(std::string_view name) const;

  [[nodiscard]] std::string to_string() const;
  void write(RunDirectory& run, std::string_view file_name) const { run.write_text(file_name, to_string()); }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<double>> rows_;
};

/// Reads a CSV written by CsvTable (used by the plotter to find columns and by the checks).
[[nodiscard]] CsvTable read_csv(const std::filesystem::path& file);

}  // namespace icgd::io

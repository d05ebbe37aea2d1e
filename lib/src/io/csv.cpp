// CSV curves (icgd/io/csv.hpp).
#include "icgd/io/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace icgd::io {

CsvTable::CsvTable(std::vector<std::string> columns) : columns_(std::move(columns)) {
  for (const auto& name : columns_)
    if (name.empty() || name.find_first_of(",\"\n") != std::string::npos)
      throw std::invalid_argument(fmt::format("CSV column name '{}' must be non-empty without commas or quotes", name));
}

void CsvTable::add_row(std::vector<double> values) {
  if (values.size() != columns_.size())
    throw std::invalid_argument(fmt::format("CSV row has {} values, the table {} columns", values.size(), columns_.size()));
  rows_.push_back(std::move(values));
}

std::size_t CsvTable::column_index(std::string_view name) const {
  const auto it = std::ranges::find(columns_, name);
  if (it == columns_.end()) throw std::out_of_range(fmt::format("no CSV column '{}'", name));
  return static_cast<std::size_t>(it - columns_.begin());
}

std::vector<double> CsvTable::column(std::string_view name) const {
  const std::size_t j = column_index(name);
  std::vector<double> out;
  out.reserve(rows_.size());
  for (const auto& r : rows_) out.push_back(r[j]);
  return out;
}

std::string CsvTable::to_string() const {
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out), "{}\n", fmt::join(columns_, ","));
  for (const auto& r : rows_) {
    for (std::size_t j = 0; j < r.size(); ++j) {
      if (j) out.push_back(',');
      if (std::isfinite(r[j]))
        fmt::format_to(std::back_inserter(out), "{:.10g}", r[j]);
      else
        fmt::format_to(std::back_inserter(out), "nan");
    }
    out.push_back('\n');
  }
  return fmt::to_string(out);
}

CsvTable read_csv(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(fmt::format("cannot read '{}'", file.string()));
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(fmt::format("'{}' is empty", file.string()));
  std::vector<std::string> columns;
  {
    std::stringstream header(line);
    std::string name;
    while (std::getline(header, name, ',')) columns.push_back(name);
  }
  CsvTable table(columns);
  std::size_t line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    std::vector<double> values;
    std::stringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) {
      std::size_t used = 0;
      double value = 0;
      try {
        value = std::stod(cell, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != cell.size())
        throw std::runtime_error(fmt::format("'{}' line {}: '{}' is not a number", file.string(), line_number, cell));
      values.push_back(value);
    }
    if (values.size() != columns.size())
      throw std::runtime_error(fmt::format("'{}' line {}: {} values for {} columns", file.string(), line_number, values.size(), columns.size()));
    table.add_row(std::move(values));
  }
  return table;
}

}  // namespace icgd::io

// Summary tables (icgd/io/table.hpp).
#include "icgd/io/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace icgd::io {
namespace {
// Display width of UTF-8 text: count code points, not bytes (labels contain "—", "η", "≈").
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++width;
  return width;
}
std::string pad_right(const std::string& text, std::size_t width) {
  return text + std::string(width - std::min(width, display_width(text)), ' ');
}
std::string pad_left(const std::string& text, std::size_t width) {
  return std::string(width - std::min(width, display_width(text)), ' ') + text;
}
}  // namespace

SummaryTable::SummaryTable(std::string title, std::vector<std::string> headers)
    : title_(std::move(title)), headers_(std::move(headers)) {}

void SummaryTable::add_row(std::vector<std::string> cells) {
  cells.resize(std::max(cells.size(), headers_.size()));
  if (cells.empty()) cells.emplace_back();
  rows_.push_back(std::move(cells));
}

void SummaryTable::add_rule() { rows_.emplace_back(); }

std::string SummaryTable::to_string() const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  for (std::size_t j = 0; j < headers_.size(); ++j) widths[j] = display_width(headers_[j]);
  for (const auto& row : rows_)
    for (std::size_t j = 0; j < row.size() && j < widths.size(); ++j) widths[j] = std::max(widths[j], display_width(row[j]));
  std::size_t total = 0;  // columns plus the " | " separators between them
  for (auto w : widths) total += w;
  if (!widths.empty()) total += 3 * (widths.size() - 1);
  const std::string rule(std::max<std::size_t>(total, 1), '-');
  // First column (labels) left-aligned; the others (numbers) right-aligned.
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t j = 0; j < widths.size(); ++j) {
      const std::string& text = j < cells.size() ? cells[j] : std::string();
      out += (j == 0 ? pad_right(text, widths[j]) : pad_left(text, widths[j]));
      if (j + 1 < widths.size()) out += " | ";
    }
    return out + "\n";
  };
  std::string out = fmt::format("\n{}\n{}\n", title_, rule);
  out += line(headers_);
  out += rule + "\n";
  for (const auto& row : rows_) out += row.empty() ? rule + "\n" : line(row);
  out += rule + "\n";
  return out;
}

void SummaryTable::print(std::FILE* stream) const { fmt::print(stream, "{}", to_string()); }

std::string cell(double value, int significant) {
  if (std::isnan(value)) return "—";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}g}", value, significant);
}

std::string verdict(bool passed) { return passed ? "pass" : "FAIL"; }

}  // namespace icgd::io

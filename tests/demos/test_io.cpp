// Tests of the run-output layer (lib/include/icgd/io): run folders never overwrite a previous
// run without being asked, CSV and JSON round-trip, non-finite numbers are found, tables align,
// and the gnuplot script names the right columns.
#include "icgd/io/csv.hpp"
#include "icgd/io/json.hpp"
#include "icgd/io/plot.hpp"
#include "icgd/io/run_directory.hpp"
#include "icgd/io/table.hpp"

#include "temp_folder.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace fs = std::filesystem;
using namespace icgd::io;

namespace {
using icgd::test::TempFolder;
std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

TEST_CASE("a run folder holding files is refused unless overwrite is asked for") {
  TempFolder tmp;
  {
    RunDirectory run(tmp.path, false);  // created
    run.write_text("config.json", "{}\n");
    CHECK(fs::exists(tmp.path / "config.json"));
    CHECK_FALSE(fs::exists(tmp.path / "config.json.tmp"));  // atomic write leaves no temporary
    CHECK(run.files() == std::vector<std::string>{"config.json"});
  }
  CHECK_THROWS_AS(RunDirectory(tmp.path, false), RunDirectoryError);
  try {
    RunDirectory again(tmp.path, false);
  } catch (const RunDirectoryError& e) {
    const std::string message = e.what();
    CHECK(message.find("--force") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);  // one line
  }
  RunDirectory forced(tmp.path, true);
  forced.write_text("config.json", "{\"a\": 1}\n");
  CHECK(slurp(tmp.path / "config.json") == "{\"a\": 1}\n");
}

TEST_CASE("an empty existing folder is accepted; a file in the way is refused") {
  TempFolder tmp;
  fs::create_directories(tmp.path);
  CHECK_NOTHROW(RunDirectory(tmp.path, false));
  std::ofstream(tmp.path / "plain") << "x";
  CHECK_THROWS_AS(RunDirectory(tmp.path / "plain", true), RunDirectoryError);
}

TEST_CASE("sub-runs follow the same rule") {
  TempFolder tmp;
  RunDirectory root(tmp.path, false);
  RunDirectory sub = root.subdirectory("one-layer");
  sub.write_text("results.json", "{}");
  CHECK_THROWS_AS((void)root.subdirectory("one-layer"), RunDirectoryError);
}

TEST_CASE("CSV round trip keeps values; non-finite values are written as nan") {
  TempFolder tmp;
  RunDirectory run(tmp.path, false);
  CsvTable table({"step", "loss"});
  table.add_row({0, 0.5});
  table.add_row({100, 0.2500000001});
  table.add_row({200, std::numeric_limits<double>::quiet_NaN()});
  CHECK_THROWS_AS(table.add_row({1.0}), std::invalid_argument);
  CHECK_THROWS_AS(CsvTable({"a,b"}), std::invalid_argument);
  table.write(run, "curve.csv");
  const CsvTable back = read_csv(run.path("curve.csv"));
  REQUIRE(back.rows() == 3);
  CHECK(back.columns() == table.columns());
  CHECK(back.row(1)[1] == doctest::Approx(0.2500000001).epsilon(1e-12));
  CHECK(std::isnan(back.row(2)[1]));
  CHECK(back.column("step") == std::vector<double>{0, 100, 200});
  CHECK_THROWS((void)back.column_index("missing"));
}

TEST_CASE("reading a malformed CSV fails with the line number") {
  TempFolder tmp;
  fs::create_directories(tmp.path);
  std::ofstream(tmp.path / "bad.csv") << "a,b\n1,2\n3,x\n";
  try {
    (void)read_csv(tmp.path / "bad.csv");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("line 3") != std::string::npos);
  }
}

TEST_CASE("non-finite numbers and nulls are located by JSON path") {
  nlohmann::json value = {{"final", {{"loss", 0.2}, {"cos", std::nan("")}}},
                          {"curve", {1.0, std::numeric_limits<double>::infinity()}},
                          {"note", nullptr},
                          {"steps", 5}};
  auto bad = non_finite_paths(value);
  std::ranges::sort(bad);
  CHECK(bad == std::vector<std::string>{"/curve/1", "/final/cos", "/note"});
  // After a write/read cycle NaN has become null, and is still found.
  TempFolder tmp;
  RunDirectory run(tmp.path, false);
  run.write_json("r.json", value);
  auto reread = non_finite_paths(read_json_file(run.path("r.json").string()));
  std::ranges::sort(reread);
  CHECK(reread == bad);
  CHECK(non_finite_paths(nlohmann::json{{"a", 1.5}, {"b", "text"}}).empty());
}

TEST_CASE("run metadata names the version and is git-free") {
  const auto meta = run_metadata("icgd demo x");
  CHECK(meta.at("icgd_version").get<std::string>() == ICGD_VERSION);
  CHECK(meta.at("command") == "icgd demo x");
  CHECK_FALSE(meta.contains("git"));
}

TEST_CASE("summary tables align UTF-8 labels and number columns") {
  SummaryTable table("t", {"metric", "value"});
  table.add_row({"η*", cell(0.123456789)});
  table.add_row({"loss", cell(std::nan(""))});
  const std::string text = table.to_string();
  CHECK(text.find("η* ") != std::string::npos);
  CHECK(text.find("0.1235") != std::string::npos);
  CHECK(text.find("—") != std::string::npos);
  // Every table line has the same display width.
  std::stringstream lines(text);
  std::string line;
  std::size_t width = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line == "t") continue;
    std::size_t w = 0;
    for (unsigned char c : line)
      if ((c & 0xC0) != 0x80) ++w;
    if (width == 0) width = w;
    CHECK(w == width);
  }
  CHECK(verdict(true) == "pass");
  CHECK(verdict(false) == "FAIL");
}

TEST_CASE("the gnuplot script names columns by number and refuses unknown columns") {
  TempFolder tmp;
  RunDirectory run(tmp.path, false);
  CsvTable table({"step", "tf_loss", "gd_loss"});
  table.add_row({0, 1, 0.5});
  table.add_row({10, 0.4, 0.5});
  table.write(run, "loss.csv");
  Figure figure{"loss", "title", "step", "loss"};
  figure.series.push_back({"loss.csv", "step", "gd_loss", "GD"});
  figure.reference_lines.push_back({0.25, "oracle"});
  const std::string script = gnuplot_script(run, {figure}, "pngcairo", "png");
  CHECK(script.find("using 1:(column(3))") != std::string::npos);
  CHECK(script.find("set output 'loss.png'") != std::string::npos);
  CHECK(script.find("0.25 with lines") != std::string::npos);
  figure.series.push_back({"loss.csv", "step", "no_such_column", "x"});
  CHECK_THROWS(gnuplot_script(run, {figure}, "pngcairo", "png"));
}

TEST_CASE("a missing gnuplot leaves the results in place and says so in one line") {
  TempFolder tmp;
  RunDirectory run(tmp.path, false);
  CsvTable table({"a", "b"});
  table.add_row({0, 1});
  table.add_row({1, 2});
  table.write(run, "c.csv");
  Figure figure{"c", "t", "a", "b"};
  figure.series.push_back({"c.csv", "a", "b", "b"});
  ::setenv("ICGD_GNUPLOT", (tmp.path / "no-such-gnuplot").c_str(), 1);
  const PlotOutcome missing = render_figures(run, {figure}, {});
  ::unsetenv("ICGD_GNUPLOT");
  CHECK_FALSE(missing.rendered);
  CHECK(missing.message.find("gnuplot not found") != std::string::npos);
  CHECK(missing.message.find('\n') == std::string::npos);
  CHECK(fs::exists(run.path("c.csv")));
  CHECK(fs::exists(run.path("plots.gp")));

  if (find_gnuplot().empty()) return;  // the rendering half needs gnuplot itself
  const PlotOutcome drawn = render_figures(run, {figure}, {true, "png"});
  CHECK(drawn.rendered);
  REQUIRE(drawn.files == std::vector<std::string>{"c.png"});
  const std::string png = slurp(run.path("c.png"));
  REQUIRE(png.size() > 8);
  CHECK(png.substr(1, 3) == "PNG");
}

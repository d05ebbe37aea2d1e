// icgd/io/plot.hpp — figures drawn by gnuplot from a run's CSV files.
//
// The plotter writes a gnuplot script `plots.gp` into the run folder (so anyone can redraw or
// restyle the figures with `cd DIR && gnuplot plots.gp`) and then runs gnuplot as a separate
// process. Figures are PNG (pngcairo, falling back to gd's png) or SVG. Plotting comes last in
// every demo: when gnuplot is missing or fails, the JSON/CSV results are already on disk and the
// outcome carries a one-line message for the user.
#pragma once

#include "icgd/io/run_directory.hpp"

#include <optional>
#include <string>
#include <vector>

namespace icgd::io {

struct PlotSeries {
  std::string csv_file = {};  ///< relative to the run folder
  std::string x_column = {};
  std::string y_column = {};
  std::string title = {};
  std::string style = "lines";  ///< gnuplot style: lines, linespoints, points
  /// Long-format CSVs: keep only rows whose `filter_column` equals `filter_value`.
  std::optional<std::string> filter_column = std::nullopt;
  double filter_value = 0;
  int dash_type = 1;  ///< 1 solid, 2 dashed, 3 dotted

  /// Fluent modifiers: PlotSeries{"a.csv", "step", "loss", "seed 0"}.where("seed", 0).dashed()
  PlotSeries& where(std::string column, double value) {
    filter_column = std::move(column);
    filter_value = value;
    return *this;
  }
  PlotSeries& dashed(int type = 2) {
    dash_type = type;
    return *this;
  }
  PlotSeries& drawn_with(std::string gnuplot_style) {
    style = std::move(gnuplot_style);
    return *this;
  }
};

struct ReferenceLine {  ///< a horizontal line, e.g. the analytic optimum
  double value = 0;
  std::string title = {};
};

struct Figure {
  std::string name = {};  ///< file stem; the figure is <name>.png or <name>.svg
  std::string title = {};
  std::string x_label = {};
  std::string y_label = {};
  bool log_x = false;
  bool log_y = false;
  std::optional<double> y_min = std::nullopt, y_max = std::nullopt;
  std::vector<PlotSeries> series = {};
  std::vector<ReferenceLine> reference_lines = {};
};

struct PlotOptions {
  bool enabled = true;        ///< false: write plots.gp only (--no-plots)
  std::string format = "png";  ///< png or svg
};

struct PlotOutcome {
  bool rendered = false;
  std::string message;             ///< one line; empty on success
  std::vector<std::string> files;  ///< figures written (relative to the run folder)
};

/// The gnuplot executable: $ICGD_GNUPLOT if set, else `gnuplot` searched on PATH; empty if none.
[[nodiscard]] std::string find_gnuplot();

/// The gnuplot script for `figures` (columns are checked against the CSV headers on disk).
[[nodiscard]] std::string gnuplot_script(const RunDirectory& run, const std::vector<Figure>& figures,
                                         const std::string& terminal, const std::string& extension);

/// Writes plots.gp and, if enabled and gnuplot is found, renders every figure into the run folder.
PlotOutcome render_figures(RunDirectory& run, const std::vector<Figure>& figures, const PlotOptions& options);

}  // namespace icgd::io

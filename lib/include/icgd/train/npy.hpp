// icgd/train/npy.hpp — weights in a format other tools read: a folder with one NumPy .npy file
// per named array plus manifest.json (docs/training.md).
//
//   <dir>/manifest.json   {"format": "icgd-weights", "version": 1, "dtype": "float32",
//                          "convention": "column vectors: q = W_Q e (Haiku stores transposes)",
//                          "arrays": [{"name": "layer0.attn.W_Q", "file": "layer0.attn.W_Q.npy",
//                                      "shape": [11, 11]}, ...],
//                          "model": {...ModelConfig...}, "meta": {...caller's...}}
//   <dir>/<name>.npy      NPY format 1.0, C order (row-major), dtype '<f4' or '<f8', 2-D.
// long double arrays are written as float64. numpy: np.load(dir + "/layer0.attn.W_Q.npy").
#pragma once

#include "icgd/train/model.hpp"
#include "icgd/train/params.hpp"

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace icgd::train {

/// Writes a 2-D array; `single_precision` selects '<f4', otherwise '<f8'.
void save_npy(const std::filesystem::path& file, const Eigen::Ref<const Eigen::MatrixXd>& array,
              bool single_precision = false);
/// Reads a 1-D or 2-D '<f4'/'<f8' array in C or Fortran order (1-D arrays become a column).
Eigen::MatrixXd load_npy(const std::filesystem::path& file);

/// Saves every array of `params` plus the manifest (meta goes under "meta").
template <class T>
void save_weights(const std::filesystem::path& dir, const ParamStore<T>& params,
                  const nlohmann::json& meta = nlohmann::json::object());
/// Loads a folder written by save_weights; the manifest is returned in *manifest if non-null.
template <class T>
ParamStore<T> load_weights(const std::filesystem::path& dir, nlohmann::json* manifest = nullptr);

/// A model: its weights plus its ModelConfig under "model".
template <class T>
void save_model(const std::filesystem::path& dir, const Model<T>& model,
                const nlohmann::json& meta = nlohmann::json::object());
/// Rebuilds the model from the manifest's "model" entry and loads the arrays (names and
/// shapes must match the configuration).
template <class T>
Model<T> load_model(const std::filesystem::path& dir, nlohmann::json* manifest = nullptr);

}  // namespace icgd::train

// NumPy .npy files and weight folders (format in npy.hpp and docs/training.md).
// NPY 1.0: magic "\x93NUMPY", version 1.0, u16 little-endian header length, an ASCII Python
// dict {'descr': '<f8', 'fortran_order': False, 'shape': (r, c), } padded with spaces and a
// newline so that the data starts at a multiple of 64 bytes.
#include "icgd/train/npy.hpp"

#include <fmt/format.h>

#include <bit>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <type_traits>

namespace icgd::train {

static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace {

/// For each occurrence of `key` in `header`, in order, calls match(p) with p just past the key
/// and the whitespace after it, until one returns true; false if none did.
template <class Match>
bool find_after_key(const std::string& header, const char* key, const Match& match) {
  const std::size_t key_size = std::strlen(key);
  for (std::size_t at = header.find(key); at != std::string::npos; at = header.find(key, at + 1)) {
    std::size_t p = at + key_size;
    while (p < header.size() && std::isspace(static_cast<unsigned char>(header[p]))) ++p;
    if (match(p)) return true;
  }
  return false;
}

}  // namespace

namespace fs = std::filesystem;

namespace {

void write_file_atomically(const fs::path& file, const std::string& bytes) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, file);
}

std::string npy_bytes(const Eigen::Ref<const Eigen::MatrixXd>& a, bool single) {
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}, {}), }}",
                                   single ? "<f4" : "<f8", a.rows(), a.cols());
  const std::size_t prefix = 10;  // magic (6) + version (2) + header length (2)
  std::size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<std::uint16_t>(header.size());
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>(len >> 8));
  out += header;
  // C order: row by row.
  for (Eigen::Index r = 0; r < a.rows(); ++r)
    for (Eigen::Index c = 0; c < a.cols(); ++c) {
      if (single) {
        const float v = static_cast<float>(a(r, c));
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
      } else {
        const double v = a(r, c);
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
      }
    }
  return out;
}

template <class T>
const char* dtype_name() {
  return std::is_same_v<T, float> ? "float32" : "float64";
}

std::string file_name_for(const std::string& array_name) {
  for (char ch : array_name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-'))
      throw std::invalid_argument("array name not usable as a file name: " + array_name);
  return array_name + ".npy";
}

}  // namespace

void save_npy(const fs::path& file, const Eigen::Ref<const Eigen::MatrixXd>& array, bool single_precision) {
  write_file_atomically(file, npy_bytes(array, single_precision));
}

Eigen::MatrixXd load_npy(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error("not a .npy file: " + file.string());
  std::size_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (static_cast<std::size_t>(b[1]) << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (static_cast<std::size_t>(b[1]) << 8) | (static_cast<std::size_t>(b[2]) << 16) |
                 (static_cast<std::size_t>(b[3]) << 24);
  }
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  if (!in) throw std::runtime_error("truncated .npy header: " + file.string());
  // The header dict, read without std::regex (g++ 12 at -O1 with the sanitizers warns falsely
  // inside <regex>): each finder tries every occurrence of its key, as a regex search would.
  bool single = false;
  const auto descr = [&](std::size_t p) {  // '<f4' | '<f8' (byte order mark optional)
    if (p >= header.size() || header[p] != '\'') return false;
    ++p;
    if (p < header.size() && (header[p] == '<' || header[p] == '|' || header[p] == '=')) ++p;
    if (header.compare(p, 3, "f4'") == 0 || header.compare(p, 3, "f8'") == 0) {
      single = header[p + 1] == '4';
      return true;
    }
    return false;
  };
  if (!find_after_key(header, "'descr':", descr))
    throw std::runtime_error("unsupported .npy dtype (need <f4 or <f8): " + file.string());
  const bool fortran = find_after_key(header, "'fortran_order':", [&](std::size_t p) {
    return header.compare(p, 4, "True") == 0;
  });
  std::string dims;
  const auto shape_tuple = [&](std::size_t p) {  // (r, c) | (n,) | ()
    if (p >= header.size() || header[p] != '(') return false;
    const std::size_t close = header.find(')', p + 1);
    if (close == std::string::npos) return false;
    dims = header.substr(p + 1, close - p - 1);
    return true;
  };
  if (!find_after_key(header, "'shape':", shape_tuple))
    throw std::runtime_error("no shape in .npy header: " + file.string());
  std::vector<Eigen::Index> shape;
  for (std::size_t i = 0; i < dims.size();) {
    if (!std::isdigit(static_cast<unsigned char>(dims[i]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < dims.size() && std::isdigit(static_cast<unsigned char>(dims[end]))) ++end;
    shape.push_back(std::stol(dims.substr(i, end - i)));
    i = end;
  }
  if (shape.size() > 2) throw std::runtime_error("only 1-D and 2-D .npy arrays are supported");
  const Eigen::Index rows = shape.empty() ? 1 : shape[0];
  const Eigen::Index cols = shape.size() == 2 ? shape[1] : 1;
  Eigen::MatrixXd out(rows, cols);
  const std::size_t count = static_cast<std::size_t>(rows * cols);
  std::vector<double> values(count);
  if (single) {
    std::vector<float> f(count);
    in.read(reinterpret_cast<char*>(f.data()), static_cast<std::streamsize>(count * sizeof(float)));
    for (std::size_t i = 0; i < count; ++i) values[i] = f[i];
  } else {
    in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * sizeof(double)));
  }
  if (!in) throw std::runtime_error("truncated .npy data: " + file.string());
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index c = 0; c < cols; ++c)
      out(r, c) = fortran ? values[static_cast<std::size_t>(c * rows + r)]
                          : values[static_cast<std::size_t>(r * cols + c)];
  return out;
}

namespace {

template <class T>
nlohmann::json write_arrays(const fs::path& dir, const ParamStore<T>& params) {
  fs::create_directories(dir);
  nlohmann::json arrays = nlohmann::json::array();
  for (std::size_t i = 0; i < params.count(); ++i) {
    const ParamInfo& p = params.info(static_cast<int>(i));
    const std::string file = file_name_for(p.name);
    save_npy(dir / file, params.mat(static_cast<int>(i)).template cast<double>(), std::is_same_v<T, float>);
    arrays.push_back({{"name", p.name}, {"file", file}, {"shape", {p.rows, p.cols}}});
  }
  return arrays;
}

nlohmann::json read_manifest(const fs::path& dir) {
  std::ifstream in(dir / "manifest.json");
  if (!in) throw std::runtime_error("no manifest.json in " + dir.string());
  nlohmann::json j = nlohmann::json::parse(in);
  if (j.value("format", "") != "icgd-weights") throw std::runtime_error("not an icgd weights folder: " + dir.string());
  return j;
}

}  // namespace

template <class T>
void save_weights(const fs::path& dir, const ParamStore<T>& params, const nlohmann::json& meta) {
  nlohmann::json manifest;
  manifest["format"] = "icgd-weights";
  manifest["version"] = 1;
  manifest["dtype"] = dtype_name<T>();
  manifest["convention"] = "column vectors: q = W_Q e, layer output P V K^T q (Haiku stores transposes)";
  manifest["arrays"] = write_arrays(dir, params);
  manifest["meta"] = meta;
  write_file_atomically(dir / "manifest.json", manifest.dump(2) + "\n");
}

template <class T>
ParamStore<T> load_weights(const fs::path& dir, nlohmann::json* manifest) {
  const nlohmann::json j = read_manifest(dir);
  ParamStore<T> store;
  for (const auto& a : j.at("arrays")) {
    const Eigen::MatrixXd m = load_npy(dir / a.at("file").get<std::string>());
    const int rows = a.at("shape").at(0).get<int>(), cols = a.at("shape").at(1).get<int>();
    if (m.rows() != rows || m.cols() != cols)
      throw std::runtime_error("shape mismatch for " + a.at("name").get<std::string>());
    const int i = store.add(a.at("name").get<std::string>(), rows, cols);
    store.mat(i) = m.cast<T>();
  }
  if (manifest != nullptr) *manifest = j;
  return store;
}

template <class T>
void save_model(const fs::path& dir, const Model<T>& model, const nlohmann::json& meta) {
  nlohmann::json manifest;
  manifest["format"] = "icgd-weights";
  manifest["version"] = 1;
  manifest["dtype"] = dtype_name<T>();
  manifest["convention"] = "column vectors: q = W_Q e, layer output P V K^T q (Haiku stores transposes)";
  manifest["model"] = model.config().to_json();
  manifest["arrays"] = write_arrays(dir, model.params());
  manifest["meta"] = meta;
  write_file_atomically(dir / "manifest.json", manifest.dump(2) + "\n");
}

template <class T>
Model<T> load_model(const fs::path& dir, nlohmann::json* manifest) {
  nlohmann::json j;
  ParamStore<T> store = load_weights<T>(dir, &j);
  if (!j.contains("model")) throw std::runtime_error("manifest has no model configuration: " + dir.string());
  Model<T> model(ModelConfig::from_json(j.at("model")));
  if (!model.params().same_layout(store))
    throw std::runtime_error("weights in " + dir.string() + " do not match the model configuration");
  model.params() = std::move(store);
  model.refresh();
  if (manifest != nullptr) *manifest = j;
  return model;
}

#define ICGD_INSTANTIATE(T)                                                                         \
  template void save_weights<T>(const fs::path&, const ParamStore<T>&, const nlohmann::json&);      \
  template ParamStore<T> load_weights<T>(const fs::path&, nlohmann::json*);                         \
  template void save_model<T>(const fs::path&, const Model<T>&, const nlohmann::json&);             \
  template Model<T> load_model<T>(const fs::path&, nlohmann::json*);
ICGD_INSTANTIATE(float)
ICGD_INSTANTIATE(double)
ICGD_INSTANTIATE(long double)
#undef ICGD_INSTANTIATE

}  // namespace icgd::train

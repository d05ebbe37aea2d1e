// Weights as .npy files + manifest.json: byte format and round trips.
#include "temp_folder.hpp"
#include "icgd/train/construct.hpp"
#include "icgd/train/npy.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace icgd::train;

namespace {

std::string read_all(const std::filesystem::path& f) {
  std::ifstream in(f, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("npy: NumPy 1.0 header, C order, round trip") {
  const icgd::test::TempFolder folder;  // removed at the end of the case
  const auto& dir = folder.path;
  std::filesystem::create_directories(dir);
  Eigen::MatrixXd a(2, 3);
  a << 1, 2, 3, 4, 5, 6.5;
  save_npy(dir / "a.npy", a);
  const std::string bytes = read_all(dir / "a.npy");
  CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  CHECK((10 + header_len) % 64 == 0);  // data aligned as NumPy writes it
  const std::string header = bytes.substr(10, header_len);
  CHECK(header.find("'descr': '<f8'") != std::string::npos);
  CHECK(header.find("'fortran_order': False") != std::string::npos);
  CHECK(header.find("'shape': (2, 3)") != std::string::npos);
  CHECK(header.back() == '\n');
  CHECK(bytes.size() == 10 + header_len + 6 * 8);
  double second;  // C order: the second stored value is a(0, 1)
  std::memcpy(&second, bytes.data() + 10 + header_len + 8, 8);
  CHECK(second == 2.0);
  CHECK(load_npy(dir / "a.npy") == a);
  save_npy(dir / "f.npy", a, true);
  CHECK(read_all(dir / "f.npy").find("'<f4'") != std::string::npos);
  CHECK(load_npy(dir / "f.npy") == a);
  // A Fortran-order file written by hand reads back in the right order.
  std::string f = bytes;
  const auto pos = f.find("False");
  f.replace(pos, 5, "True ");
  std::ofstream(dir / "fortran.npy", std::ios::binary) << f;
  const Eigen::MatrixXd fa = load_npy(dir / "fortran.npy");
  CHECK(fa(1, 0) == 2.0);  // column-major reading of 1..6.5 into 2 × 3
}

TEST_CASE("weights folder: manifest + arrays round trip, model reload gives the same predictions") {
  const icgd::test::TempFolder folder;  // removed at the end of the case
  const auto& dir = folder.path;
  std::filesystem::create_directories(dir);
  ModelConfig c = ModelConfig::for_von_oswald(3, 1, 5, 2, false);
  c.mlp_blocks = true;
  c.layer_norm = true;
  c.use_bias = true;
  Model<float> m(c);
  m.init_params(4);
  save_model(dir / "model", m, {{"seed", 4}});
  const auto manifest = nlohmann::json::parse(read_all(dir / "model" / "manifest.json"));
  CHECK(manifest.at("format") == "icgd-weights");
  CHECK(manifest.at("dtype") == "float32");
  CHECK(manifest.at("meta").at("seed") == 4);
  CHECK(manifest.at("arrays").size() == m.params().count());
  CHECK(std::filesystem::exists(dir / "model" / "layer0.attn.W_Q.npy"));
  nlohmann::json back_manifest;
  const Model<float> back = load_model<float>(dir / "model", &back_manifest);
  CHECK(back.params().values() == m.params().values());  // float32 files: exact
  CHECK(back.config().to_json() == m.config().to_json());
  const TaskBatch tasks = generate_tasks(TaskConfig::code_linear(3, 5), 1, Stream::user, 0, 10);
  const Batch<float> batch = make_batch<float>(tasks, {});
  CHECK(back.predict(batch.tokens) == m.predict(batch.tokens));
  // Double weights and plain ParamStores.
  Model<double> gd = make_gd_model<double>(3, 1, 5, {0.7});
  save_weights(dir / "gd", gd.params());
  const ParamStore<double> ps = load_weights<double>(dir / "gd");
  CHECK(ps.same_layout(gd.params()));
  CHECK(ps.values() == gd.params().values());
  // A mismatching configuration is refused.
  auto j = nlohmann::json::parse(read_all(dir / "model" / "manifest.json"));
  j["model"]["num_layers"] = 3;
  std::ofstream(dir / "model" / "manifest.json") << j.dump();
  CHECK_THROWS(load_model<float>(dir / "model"));
}

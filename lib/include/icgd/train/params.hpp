// icgd/train/params.hpp — named parameter arrays in one flat buffer.
//
// Why one flat buffer: the optimiser, gradient clipping, checkpoints and the deterministic
// reduction of per-task gradients all work on a plain std::vector<T>; names and shapes are
// only needed to build layers and to save weights. Each array is a column-major matrix.
#pragma once

#include <Eigen/Dense>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace icgd::train {

struct ParamInfo {
  std::string name;  ///< e.g. "layer0.attn.W_Q"
  int rows = 0, cols = 0;
  std::size_t offset = 0;  ///< into the flat buffer
  std::size_t size() const { return static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols); }
};

template <class T>
class ParamStore {
 public:
  using Map = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>;
  using ConstMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>;

  /// Appends a zero-initialised array and returns its index. Names must be unique.
  int add(std::string name, int rows, int cols) {
    if (find(name) >= 0) throw std::invalid_argument("ParamStore: duplicate name " + name);
    ParamInfo info{std::move(name), rows, cols, data_.size()};
    data_.resize(data_.size() + info.size(), T(0));
    infos_.push_back(std::move(info));
    return static_cast<int>(infos_.size()) - 1;
  }

  /// Index of `name`, or −1.
  int find(const std::string& name) const {
    for (std::size_t i = 0; i < infos_.size(); ++i)
      if (infos_[i].name == name) return static_cast<int>(i);
    return -1;
  }
  int index(const std::string& name) const {
    const int i = find(name);
    if (i < 0) throw std::out_of_range("ParamStore: no array named " + name);
    return i;
  }

  std::size_t count() const { return infos_.size(); }
  const ParamInfo& info(int i) const { return infos_.at(static_cast<std::size_t>(i)); }
  const std::vector<ParamInfo>& infos() const { return infos_; }
  std::size_t total_size() const { return data_.size(); }

  std::vector<T>& values() { return data_; }
  const std::vector<T>& values() const { return data_; }

  Map mat(int i) { const auto& p = info(i); return Map(data_.data() + p.offset, p.rows, p.cols); }
  ConstMap mat(int i) const {
    const auto& p = info(i);
    return ConstMap(data_.data() + p.offset, p.rows, p.cols);
  }
  Map mat(const std::string& name) { return mat(index(name)); }
  ConstMap mat(const std::string& name) const { return mat(index(name)); }

  /// View of array i inside another buffer with this store's layout (e.g. a gradient).
  Map view_in(std::vector<T>& buffer, int i) const {
    const auto& p = info(i);
    return Map(buffer.data() + p.offset, p.rows, p.cols);
  }
  ConstMap view_in(const std::vector<T>& buffer, int i) const {
    const auto& p = info(i);
    return ConstMap(buffer.data() + p.offset, p.rows, p.cols);
  }

  /// Same names and shapes.
  bool same_layout(const ParamStore& other) const {
    if (infos_.size() != other.infos_.size()) return false;
    for (std::size_t i = 0; i < infos_.size(); ++i) {
      const auto& a = infos_[i];
      const auto& b = other.infos_[i];
      if (a.name != b.name || a.rows != b.rows || a.cols != b.cols) return false;
    }
    return true;
  }

  /// Converted copy in another scalar type (same layout).
  template <class U>
  ParamStore<U> cast() const {
    ParamStore<U> out;
    for (const auto& p : infos_) out.add(p.name, p.rows, p.cols);
    for (std::size_t k = 0; k < data_.size(); ++k) out.values()[k] = static_cast<U>(data_[k]);
    return out;
  }

 private:
  std::vector<ParamInfo> infos_;
  std::vector<T> data_;
};

}  // namespace icgd::train

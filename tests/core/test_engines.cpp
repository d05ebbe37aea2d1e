// The three engines on the same statements must agree with one another.
#include "icgd/claims/eigen_engine.hpp"
#include "icgd/icl/gd_emulation.hpp"
#include "icgd/icl/instances.hpp"

#include <doctest/doctest.h>

#include <cmath>

using icgd::Dynamic;
using icgd::Mat;
using icgd::Polynomial;
using icgd::Rational;
using icgd::Var;
namespace icl = icgd::icl;

namespace {
// Value of each symbolic variable in a rational instance (the symbolic_instance naming).
struct InstanceValues {
  const icl::RegressionInstance<Rational, Dynamic, Dynamic, Dynamic>& p;
  Rational operator()(Var v) const {
    switch (v.symbol()) {
      case 'x': return p.X(static_cast<int>(v.j()), static_cast<int>(v.i()));
      case 'y': return p.Y(static_cast<int>(v.j()), static_cast<int>(v.i()));
      case 'q': return p.xq(static_cast<int>(v.i()), 0);
      case 'w': return p.W0(static_cast<int>(v.i()), static_cast<int>(v.j()));
      case 'e': return p.eta;
      default: throw std::logic_error("unknown variable");
    }
  }
};
}  // namespace

TEST_CASE("symbolic layer evaluated at a rational instance equals the exact layer") {
  const int nx = 3, ny = 2, n = 4;
  const auto sym = icl::symbolic_instance<Dynamic, Dynamic, Dynamic>(nx, ny, n);
  const auto ex = icl::random_rational_instance<Dynamic, Dynamic, Dynamic>(5, nx, ny, n);
  const auto sym_out = icl::apply_layers(icl::prop1_tokens(sym), {icl::prop1_head(sym.W0, sym.eta, n)},
                                         icl::QueryInKeys::excluded, 2);
  const auto ex_out = icl::apply_layers(icl::prop1_tokens(ex), {icl::prop1_head(ex.W0, ex.eta, n)},
                                        icl::QueryInKeys::excluded, 2);
  const InstanceValues at{ex};
  for (int r = 0; r < sym_out.rows(); ++r)
    for (int c = 0; c < sym_out.cols(); ++c) CHECK(sym_out(r, c).evaluate<Rational>(at) == ex_out(r, c));
}

TEST_CASE("double layer agrees with the exact layer to rounding") {
  const int nx = 4, ny = 1, n = 5;
  const auto ex = icl::random_rational_instance<Dynamic, Dynamic, Dynamic>(9, nx, ny, n);
  icl::RegressionInstance<double, Dynamic, Dynamic, Dynamic> d{
      Mat<double, Dynamic, Dynamic>(nx, n), Mat<double, Dynamic, Dynamic>(ny, n),
      Mat<double, Dynamic, 1>(nx, 1), Mat<double, Dynamic, Dynamic>(ny, nx), ex.eta.to_double()};
  auto copy = [](auto& to, const auto& from) {
    for (std::size_t k = 0; k < from.data().size(); ++k) to.data()[k] = from.data()[k].to_double();
  };
  copy(d.X, ex.X); copy(d.Y, ex.Y); copy(d.xq, ex.xq); copy(d.W0, ex.W0);
  const auto ex_out = icl::apply_layers(icl::prop1_tokens(ex), {icl::prop1_head(ex.W0, ex.eta, n)}, icl::QueryInKeys::excluded, 1);
  const auto d_out = icl::apply_layers(icl::prop1_tokens(d), {icl::prop1_head(d.W0, d.eta, n)}, icl::QueryInKeys::excluded, 1);
  for (std::size_t k = 0; k < d_out.data().size(); ++k)
    CHECK(d_out.data()[k] == doctest::Approx(ex_out.data()[k].to_double()).epsilon(1e-12));
}

TEST_CASE("Eigen engine agrees with the Mat<double> path") {
  const int nx = 7, ny = 2, n = 9;
  const auto ep = icgd::claims::eigen_random_instance(nx, ny, n, 3);
  icl::RegressionInstance<double, Dynamic, Dynamic, Dynamic> mp{
      Mat<double, Dynamic, Dynamic>(nx, n), Mat<double, Dynamic, Dynamic>(ny, n),
      Mat<double, Dynamic, 1>(nx, 1), Mat<double, Dynamic, Dynamic>(ny, nx), ep.eta};
  auto copy = [](auto& to, const Eigen::MatrixXd& from) {
    for (int r = 0; r < from.rows(); ++r)
      for (int c = 0; c < from.cols(); ++c) to(r, c) = from(r, c);
  };
  copy(mp.X, ep.X); copy(mp.Y, ep.Y); copy(mp.xq, ep.xq); copy(mp.W0, ep.W0);
  for (auto mode : {icl::QueryInKeys::excluded, icl::QueryInKeys::included}) {
    const auto m_out = icl::apply_layers(icl::prop1_tokens(mp), {icl::prop1_head(mp.W0, mp.eta, n)}, mode, 2, 0.75);
    Eigen::MatrixXd e_out = icgd::claims::eigen_prop1_tokens(ep);
    for (int k = 0; k < 2; ++k)
      e_out = icgd::claims::eigen_lsa_forward(e_out, {icgd::claims::eigen_prop1_head(ep.W0, ep.eta, n)}, mode, 0.75);
    for (int r = 0; r < e_out.rows(); ++r)
      for (int c = 0; c < e_out.cols(); ++c) CHECK(m_out(r, c) == doctest::Approx(e_out(r, c)).epsilon(1e-12));
  }
  // The GD side too.
  const auto m_gd = icl::gd_prediction(mp, mp.eta, 3);
  const Eigen::MatrixXd e_gd = icgd::claims::eigen_gd_prediction(ep, ep.eta, 3);
  for (int r = 0; r < e_gd.rows(); ++r)
    for (int c = 0; c < e_gd.cols(); ++c) CHECK(m_gd(r, c) == doctest::Approx(e_gd(r, c)).epsilon(1e-12));
}

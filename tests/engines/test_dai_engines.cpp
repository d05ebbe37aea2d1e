// Dai et al. 2023's exact claims (docs/papers/dai.md) in every engine `icgd verify` runs for them:
// the fixed-size templates of icl/dai_claims.hpp (symbolic, exact rational, double through the
// Mat path) against each other, the rows verify() computes (runtime symbolic, exact rational,
// numeric double, training backward, the DAI-6 search), and the controls refuted everywhere.
#include "icgd/claims/registry.hpp"
#include "icgd/icl/dai_claims.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using namespace icgd;
using claims::Engine;
using claims::Status;
using icl::DaiBroken;

namespace {

claims::VerifyOptions small_options(const std::string& id) {
  claims::VerifyOptions o;
  o.nx = 3;
  o.ny = 2;
  o.n = 5;
  o.numeric_nx = 32;
  o.numeric_n = 64;
  o.claim_ids = {id};
  o.engines = {Engine::runtime_symbolic, Engine::exact_rational, Engine::numeric_double, Engine::training_backward};
  return o;
}

const claims::EngineResult* row(const claims::ClaimReport& r, Engine e) {
  const auto it = std::ranges::find_if(r.results, [&](const auto& x) { return x.engine == e; });
  return it == r.results.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("DAI-1, DAI-2, DAI-4: fixed-size templates hold symbolically and exactly; the controls fail") {
  {
    const auto p = icl::dai1_symbolic<2, 3, 4>();
    const auto s = icl::dai1_sides(p);
    CHECK(s.lhs == s.rhs);
    const auto c = icl::dai1_sides(p, DaiBroken::error_sign);
    CHECK_FALSE(c.lhs == c.rhs);
  }
  {
    const auto p = icl::dai2_random_rational<2, 2, 3, 3, 2>(11);
    const auto s = icl::dai2_sides(p);
    CHECK(s.lhs == s.rhs);
    const auto c = icl::dai2_sides(p, DaiBroken::demos_dropped);
    CHECK_FALSE(c.lhs == c.rhs);
  }
  {
    const auto p = icl::dai4_random_rational<2, 6>(5);
    const auto s = icl::dai4_sides(p);
    CHECK(s.lhs == s.rhs);
    // m_2 = η v_1 by hand, and the control's m_2 = v_1.
    CHECK(s.lhs(0, 1) == p.eta * p.V(0, 0));
    const auto c = icl::dai4_sides(p, DaiBroken::newest_not_decayed);
    CHECK(c.lhs(0, 1) == p.V(0, 0));
    CHECK_FALSE(c.lhs == c.rhs);
  }
}

TEST_CASE("icgd verify: DAI-1, DAI-2, DAI-4 have a held row from each fixed-size engine") {
  for (const char* id : {"DAI-1", "DAI-2", "DAI-4"}) {
    INFO(id);
    const auto reports = claims::verify(small_options(id));
    REQUIRE(reports.size() == 1);
    for (const Engine e : {Engine::runtime_symbolic, Engine::exact_rational, Engine::numeric_double}) {
      const auto* r = row(reports[0], e);
      REQUIRE_MESSAGE(r != nullptr, claims::to_string(e));
      CHECK_MESSAGE(r->status == Status::held, r->detail);
      CHECK(r->detail.find("control refuted") != std::string::npos);
    }
  }
}

TEST_CASE("icgd verify: DAI-3 is checked exactly against the training engine's backward pass") {
  const auto reports = claims::verify(small_options("DAI-3"));
  REQUIRE(reports.size() == 1);
  const auto* r = row(reports[0], Engine::training_backward);
  REQUIRE(r != nullptr);
  CHECK_MESSAGE(r->status == Status::held, r->detail);
  CHECK(r->detail.find("control refuted") != std::string::npos);
  CHECK(r->detail.find("equals") != std::string::npos);
}

TEST_CASE("icgd verify: DAI-6 finds the softmax counterexample at the smallest size, d = 1 with one demonstration") {
  const auto reports = claims::verify(small_options("DAI-6"));
  REQUIRE(reports.size() == 1);
  for (const Engine e : {Engine::exact_rational, Engine::numeric_double}) {
    const auto* r = row(reports[0], e);
    REQUIRE(r != nullptr);
    CHECK_MESSAGE(r->status == Status::held, r->detail);
    CHECK(r->sizes == "d=1 n=1 T=1");
  }
  // Without demonstrations the split is exact: the search passed d = 1, n = 0.
  CHECK(row(reports[0], Engine::exact_rational)->detail.find("the split held at d=1 n=0") != std::string::npos);
  const auto parts = claims::explain("DAI-6", small_options("DAI-6"));
  REQUIRE(parts.size() == 2);
  for (const auto& p : parts) {
    CHECK_FALSE(p.agree);
    CHECK_FALSE(p.expected_to_agree);
  }
}

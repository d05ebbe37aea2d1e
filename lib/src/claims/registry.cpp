#include "icgd/claims/registry.hpp"

#include <algorithm>

namespace icgd::claims {

std::string to_string(Kind k) {
  switch (k) {
    case Kind::identity: return "identity";
    case Kind::analytic: return "analytic";
    case Kind::statistical: return "statistical";
  }
  return "?";
}
std::string to_string(Engine e) {
  switch (e) {
    case Engine::compile_time: return "compile-time";
    case Engine::runtime_symbolic: return "runtime symbolic";
    case Engine::exact_rational: return "exact rational";
    case Engine::numeric_double: return "numeric double";
    case Engine::dimension_free: return "dimension-free";
  }
  return "?";
}
std::string to_string(Status s) {
  switch (s) {
    case Status::held: return "held";
    case Status::failed: return "FAILED";
    case Status::error: return "ERROR";
  }
  return "?";
}

bool ClaimReport::held() const {
  return !results.empty() &&
         std::ranges::all_of(results, [](const EngineResult& r) { return r.status == Status::held; });
}

const std::vector<Claim>& registry() {
  static const std::vector<Claim> claims{
      {"VO-1", "von Oswald et al. 2023, Prop. 1 and App. A.1 (theory.md A.3)",
       "One LSA layer with W_K = W_Q = [[I,0],[0,0]], W_V = [[0,0],[W_0,-I]], P = (eta/N) I maps "
       "every context token (x_j, y_j) to (x_j, y_j - dW x_j), dW = -(eta/N) sum_i (W_0 x_i - y_i) x_i^T",
       Kind::identity, false, "+I instead of -I in W_V"},
      {"VO-2", "von Oswald et al. 2023, Prop. 1 (theory.md A.3)",
       "The query token (x_q, -W_0 x_q) becomes (x_q, -(W_0 + dW) x_q): the prediction, minus the "
       "query's y-slot, is the one-step GD prediction (W_0 + dW) x_q",
       Kind::identity, false, "P = eta I (the 1/N missing)"},
      {"VO-3", "von Oswald et al. 2023, Sec. 3 (theory.md A.4)",
       "K applications of the same Prop. 1 layer, query excluded from keys and values, give "
       "y_q = -W_K x_q and context y-slots y_i - (W_K - W_0) x_i, with W_K = K GD steps from W_0",
       Kind::identity, false, "query among keys and values (VO-3b)"},
      {"VO-3b", "theory.md A.4 (negative control)",
       "With the query INCLUDED among keys and values, K = 2 shared layers are NOT 2 GD steps "
       "(the query's y-slot adds a spurious term); the identity must fail",
       Kind::identity, true, ""},
      {"VO-4", "von Oswald et al. 2023, Sec. 4 / reference notebook (theory.md A.4)",
       "The damped recurrence E <- E + lambda LSA(E), K times, is K GD steps with step lambda*eta",
       Kind::identity, false, "layers not damped (GD step lambda*eta kept)"},
  };
  return claims;
}

std::optional<Claim> find_claim(const std::string& id) {
  for (const auto& c : registry())
    if (c.id == id) return c;
  return std::nullopt;
}

}  // namespace icgd::claims

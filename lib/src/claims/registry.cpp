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
      // Checked by the dimension-free engine (proofs/dimfree, lib/include/icgd/dimfree).
      {"VO-5", "von Oswald et al. 2023, App. A.10 (GD++; theory.md A.5)",
       "GD++ layer P = diag(-gamma I, (eta/N) I), W_V = [[I,0],[W_0,-I]]: every token's x -> "
       "(I - gamma X X^T) x, the query's included; the y-update is a GD step (1 and 2 layers)",
       Kind::identity, false, ""},
      {"VO-9", "von Oswald et al. 2023, Prop. 2 (theory.md A.6)",
       "With a feature map m before the layer and W_0 = 0, the prediction is kernel regression "
       "(eta/N) sum_i y_i k(x_i, x_q), k(a, b) = m(a)^T m(b)",
       Kind::identity, false, ""},
      {"AHN-1", "Ahn et al. 2023, Lemma (theory.md D.1)",
       "Masked L-layer LSA with P = [[0,0],[0,1]], Q_l = -[[A_l,0],[0,0]] (A_l symmetric) gives "
       "-Z_L[d+1,n+1] = <w_L, x_q>: L steps of preconditioned GD",
       Kind::identity, false, "A not symmetric, update w - A grad R (AHN-1b)"},
      {"ZFB-1", "Zhang, Frei & Bartlett 2024, Eq. (12) (theory.md B.4)",
       "LSA (rho = M, query column included) at W^KQ = c[[G,0],[0,0]], W^PV = c^-1[[0,0],[0,1]] "
       "predicts x_q^T G S_M w for every symmetric G and c != 0",
       Kind::identity, false, "G not symmetric (ZFB-1b)"},
      {"ZFB-2", "Zhang, Frei & Bartlett 2024, Eq. (6) (theory.md B.1)",
       "The prediction of LSA for arbitrary W^PV, W^KQ is ((w21^PV)^T, w22^PV) (E E^T/N) "
       "(W11^KQ; (w21^KQ)^T) x_q",
       Kind::identity, false, ""},
      {"DAI-1", "Dai et al. 2023, Eqs. (7)-(9) (theory.md C.1)",
       "A linear layer after GD updates is attention over past inputs: "
       "(W_0 + sum_i e_i x'_i^T) x = W_0 x + E X'^T x",
       Kind::identity, false, ""},
      {"DAI-2", "Dai et al. 2023, Eqs. (10)-(12) (theory.md C.2)",
       "Relaxed linear attention splits into zero-shot and in-context parts: "
       "W_V [X';X] (W_K [X';X])^T q = (W_ZSL + dW_ICL) q",
       Kind::identity, false, ""},
      {"DAI-4", "Dai et al. 2023, momentum attention (theory.md C.4)",
       "The recursion m_t = eta (m_{t-1} + v_{t-1}), m_1 = 0, equals sum_{i<t} eta^(t-i) v_i (t <= 8)",
       Kind::identity, false, ""},
  };
  return claims;
}

std::optional<Claim> find_claim(const std::string& id) {
  for (const auto& c : registry())
    if (c.id == id) return c;
  return std::nullopt;
}

}  // namespace icgd::claims

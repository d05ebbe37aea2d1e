// The claim registry: the one table of every claim icgd knows (see icgd/claims/registry.hpp).
// The mathematics of each id is stated on its paper's page under docs/papers/.
#include "icgd/claims/registry.hpp"

#include <algorithm>

namespace icgd::claims {

std::string to_string(Kind k) {
  switch (k) {
    case Kind::exact: return "exact";
    case Kind::analytic: return "analytic";
    case Kind::statistical: return "statistical";
  }
  return "?";
}
std::string to_string(Engine e) {
  switch (e) {
    case Engine::compile_time: return "compile-time";
    case Engine::compile_time_dimfree: return "compile-time dimfree";
    case Engine::runtime_symbolic: return "runtime symbolic";
    case Engine::exact_rational: return "exact rational";
    case Engine::numeric_double: return "numeric double";
    case Engine::dimension_free: return "dimension-free";
    case Engine::demo_run: return "demo run";
    case Engine::gaussian_moments: return "gaussian moments";
    case Engine::monte_carlo: return "monte carlo";
    case Engine::training_backward: return "training backward";
  }
  return "?";
}
std::string to_string(Status s) {
  switch (s) {
    case Status::held: return "held";
    case Status::failed: return "FAILED";
    case Status::did_not_hold: return "did not hold";
    case Status::inconclusive: return "inconclusive";
    case Status::error: return "ERROR";
    case Status::not_built: return "not built";
    case Status::not_run: return "not run";
    case Status::not_checked: return "not checked";
  }
  return "?";
}
int severity(Status s) {
  switch (s) {
    case Status::failed: return 7;
    case Status::error: return 6;
    case Status::did_not_hold: return 5;
    case Status::inconclusive: return 4;
    case Status::not_built: return 3;
    case Status::not_run: return 2;
    case Status::not_checked: return 1;
    case Status::held: return 0;
  }
  return 7;
}

Status ClaimReport::status() const {
  if (results.empty()) return Status::not_checked;
  Status worst = Status::held;
  for (const auto& r : results)
    if (severity(r.status) > severity(worst)) worst = r.status;
  return worst;
}

namespace {

// The proof units, named as their receipts name them (claims/receipt.hpp).
const std::vector<std::string> prop1_units{"proofs/fixed/vo_prop1_nx1.cpp", "proofs/fixed/vo_prop1_nx2.cpp",
                                           "proofs/fixed/vo_prop1_nx3.cpp", "proofs/fixed/vo_prop1_nx4.cpp"};
const std::string stack_unit = "proofs/fixed/vo_stack.cpp";
const std::string dimfree_vo = "proofs/dimfree/von_oswald.cpp";
const std::string dimfree_deep = "proofs/dimfree/deep_stacks.cpp";
const std::string dimfree_others = "proofs/dimfree/ahn_zfb_dai.cpp";
const std::string dai_fixed = "proofs/fixed/dai_fixed.cpp";
// The Gaussian-moment proofs of the ZFB / Ahn / Mahankali analytic claims (proofs/zfb).
const std::string zfb_unit(const char* name) { return std::string("proofs/zfb/") + name + ".cpp"; }

const std::string vo_paper = "von Oswald et al. 2023";
const std::string ahn_paper = "Ahn et al. 2023";
const std::string zfb_paper = "Zhang, Frei & Bartlett 2024";
const std::string mah_paper = "Mahankali et al. 2023";
const std::string dai_paper = "Dai et al. 2023";
const std::string vo_page = "docs/papers/von_oswald.md";
const std::string ahn_page = "docs/papers/ahn_mahankali.md";
const std::string zfb_page = "docs/papers/zhang_frei_bartlett.md";
const std::string dai_page = "docs/papers/dai.md";

const std::vector<Engine> fixed_size_engines{Engine::runtime_symbolic, Engine::exact_rational,
                                             Engine::numeric_double, Engine::dimension_free};

// Dai's exact claims at fixed sizes (icl/dai_claims.hpp) and for every size (dimension-free).
const std::vector<Engine> dai_engines{Engine::runtime_symbolic, Engine::exact_rational, Engine::numeric_double,
                                      Engine::dimension_free};

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

const std::vector<Claim>& registry() {
  static const std::vector<Claim> claims{
      // --- von Oswald et al. 2023 ------------------------------------------------------------
      {"VO-1", vo_paper, "Prop. 1, App. A.1", vo_page,
       "One LSA layer with W_K = W_Q = [[I,0],[0,0]], W_V = [[0,0],[W_0,-I]], P = (eta/N) I maps "
       "every context token (x_j, y_j) to (x_j, y_j - dW x_j), dW = -(eta/N) sum_i (W_0 x_i - y_i) x_i^T",
       Kind::exact, {}, Control{"VO-1b", "+I instead of -I in W_V"}, false,
       {plus(prop1_units, {dimfree_vo}), fixed_size_engines, {}}},
      {"VO-2", vo_paper, "Prop. 1, App. A.1", vo_page,
       "The query token (x_q, -W_0 x_q) becomes (x_q, -(W_0 + dW) x_q): the prediction, minus the "
       "query's y-slot, is the one-step GD prediction (W_0 + dW) x_q",
       Kind::exact, {"VO-1"}, Control{"VO-2b", "the prediction read as +(y-slot), without the sign flip"}, false,
       {plus(prop1_units, {dimfree_vo}), fixed_size_engines, {}}},
      {"VO-3", vo_paper, "Sec. 3 (multi-layer LSA)", vo_page,
       "K applications of the same Prop. 1 layer, query excluded from keys and values, give "
       "y_q = -W_K x_q and context y-slots y_i - (W_K - W_0) x_i, with W_K = K GD steps from W_0",
       Kind::exact, {"VO-1", "VO-2"}, Control{"VO-3b", "the query among keys and values"}, false,
       {{stack_unit, dimfree_vo, dimfree_deep}, fixed_size_engines, {}}},
      {"VO-3b", vo_paper, "Sec. 3 (negative control, icgd)", vo_page,
       "With the query INCLUDED among keys and values, K = 2 shared layers are NOT 2 GD steps "
       "(the query's y-slot adds a spurious term); the identity must fail",
       Kind::exact, {"VO-3"}, std::nullopt, true, {{stack_unit, dimfree_vo}, fixed_size_engines, {}}},
      {"VO-4", vo_paper, "Sec. 3 and the reference notebook (damped recurrence)", vo_page,
       "The damped recurrence E <- E + lambda LSA(E), K times, is K GD steps with step lambda*eta",
       Kind::exact, {"VO-3"}, Control{"VO-4b", "layers not damped (GD step lambda*eta kept)"}, false,
       {{stack_unit, dimfree_vo}, fixed_size_engines, {}}},
      {"VO-5", vo_paper, "App. A.10 (GD++)", vo_page,
       "GD++ layer P = diag(-gamma I, (eta/N) I), W_V = [[I,0],[W_0,-I]]: every token's x -> "
       "(I - gamma X X^T) x, the query's included; the y-update is a GD step (1 and 2 layers)",
       Kind::exact, {"VO-1"}, std::nullopt, false, {{dimfree_vo}, {Engine::dimension_free}, {}}},
      {"VO-5b", vo_paper, "App. A.10, Fig. 13 (conditioning)", vo_page,
       "For 0 < gamma <= 1/(3 lambda_max(X X^T)) the GD++ transform improves the condition number: "
       "kappa((I - gamma S) S (I - gamma S)) = kappa(S) ((1 - gamma lambda_max)/(1 - gamma lambda_min))^2 < kappa(S)",
       Kind::exact, {"VO-5"}, std::nullopt, false, {}},
      {"VO-6", vo_paper, "Sec. 4, Fig. 2 (one trained layer)", vo_page,
       "A one-layer LSA trained on linear regression reaches the loss of the optimal one-step GD "
       "(within 1%), the analytic optimum 0.5 risk* of the one-step preconditioned predictor",
       Kind::statistical, {"VO-2"}, std::nullopt, false, {{}, {}, {{"one-layer", "VO-6."}}}},
      {"VO-7", vo_paper, "Sec. 4 (line search of the GD learning rate)", vo_page,
       "The optimal one-step learning rate is alpha* = d sigma^2 / E tr(S^2); a line search on "
       "sampled tasks lands within one grid step (0.1) of it",
       Kind::analytic, {"VO-6"}, std::nullopt, false, {{}, {}, {{"one-layer", "VO-7."}}}},
      {"VO-8", vo_paper, "Sec. 4, Fig. 2 (alignment)", vo_page,
       "The trained one-layer model aligns with one GD step: the mean cosine of the sensitivities "
       "d y_hat / d x_q of model and GD exceeds 0.99",
       Kind::statistical, {"VO-6"}, std::nullopt, false, {{}, {}, {{"one-layer", "VO-8."}}}},
      {"VO-9", vo_paper, "Prop. 2, Sec. 5 (deep features)", vo_page,
       "With a feature map m before the layer and W_0 = 0, the prediction is kernel regression "
       "(eta/N) sum_i y_i k(x_i, x_q), k(a, b) = m(a)^T m(b)",
       Kind::exact, {"VO-1"}, std::nullopt, false, {{dimfree_vo}, {Engine::dimension_free}, {}}},
      {"VO-10", vo_paper, "Prop. 3, Sec. 6 (token construction by copying)", vo_page,
       "With standard tokens (x and y in separate tokens), a two-layer model whose first layer is "
       "softmax attention learns to copy the neighbouring (next) token, and the second layer then "
       "reaches the loss of one GD step",
       Kind::statistical, {"VO-1"}, std::nullopt, false, {{}, {}, {{"classic-tokens", "VO-10."}}}},
      {"VO-11", vo_paper, "Sec. 4, Figs. 3-4 (icgd's id: trained stacks)", vo_page,
       "Trained multi-layer LSA models (recurrent and not, K = 2..5 layers) beat K-step GD with a "
       "line-searched learning rate and track GD++",
       Kind::statistical, {"VO-3", "VO-5"}, std::nullopt, false, {{}, {}, {{"stacks", "VO-11."}}}},
      {"VO-12", vo_paper, "Sec. 4 and the reference notebook (icgd's id: iterated trained layer)", vo_page,
       "A trained one-layer model iterated K times with damping lambda = 0.75 tracks K-step GD with "
       "step lambda*eta (within 10% at every K <= 50)",
       Kind::statistical, {"VO-4", "VO-6"}, std::nullopt, false, {{}, {}, {{"recurrent-damped", "VO-12."}}}},
      {"VO-13", vo_paper, "Sec. 5, Fig. 6 (icgd's id: sine regression)", vo_page,
       "On sine regression, an input MLP followed by a trained LSA layer matches a meta-learned MLP "
       "followed by one GD step on its features (within 10%)",
       Kind::statistical, {"VO-9"}, std::nullopt, false, {{}, {}, {{"sine", "VO-13."}}}},
      // --- Ahn et al. 2023 --------------------------------------------------------------------
      {"AHN-1", ahn_paper, "Lemma 1 (preconditioned GD)", ahn_page,
       "Masked L-layer LSA with P = [[0,0],[0,1]], Q_l = -[[A_l,0],[0,0]] (A_l symmetric) gives "
       "-Z_L[d+1,n+1] = <w_L, x_q>: L steps of preconditioned GD",
       Kind::exact, {}, Control{"AHN-1b", "A not symmetric, update w - A grad R"}, false,
       {{dimfree_others, dimfree_deep}, {Engine::dimension_free}, {}}},
      {"AHN-2", ahn_paper, "Theorem 1 (single-layer optimum)", ahn_page,
       "The optimal single-layer block is Q_0 = -Gamma^-1, Gamma = (1 + 1/n) Sigma + tr(Sigma)/n I "
       "(the same Gamma as ZFB-3)",
       Kind::analytic, {"AHN-1", "ZFB-3"}, Control{"AHN-2b", "block +Gamma^-1 (the read-out sign lost)"}, false,
       {{zfb_unit("ahn2_d2")}, {Engine::gaussian_moments, Engine::monte_carlo}, {}}},
      // --- Zhang, Frei & Bartlett 2024 --------------------------------------------------------
      {"ZFB-1", zfb_paper, "Eq. (12)", zfb_page,
       "LSA (rho = M, query column included) at W^KQ = c[[G,0],[0,0]], W^PV = c^-1[[0,0],[0,1]] "
       "predicts x_q^T G S_M w for every symmetric G and c != 0",
       Kind::exact, {}, Control{"ZFB-1b", "G not symmetric"}, false, {{dimfree_others}, {Engine::dimension_free}, {}}},
      {"ZFB-2", zfb_paper, "Eq. (6)", zfb_page,
       "The prediction of LSA for arbitrary W^PV, W^KQ is ((w21^PV)^T, w22^PV) (E E^T/N) "
       "(W11^KQ; (w21^KQ)^T) x_q",
       Kind::exact, {}, std::nullopt, false, {{dimfree_others}, {Engine::dimension_free}, {}}},
      {"ZFB-3", zfb_paper, "Sec. 4.1, Theorem 4.1 (population risk)", zfb_page,
       "R(A) = tr(Lambda) - 2 tr(A Lambda^2) + tr(A^T Lambda A Lambda Gamma) and argmin_A R = Gamma^-1, "
       "Gamma = (1 + 1/N) Lambda + tr(Lambda)/N I",
       Kind::analytic, {"ZFB-1"}, Control{"ZFB-3b", "Gamma without its tr(Lambda)/N I term"}, false,
       {{zfb_unit("zfb3_d2"), zfb_unit("zfb3_d3")}, {Engine::gaussian_moments, Engine::monte_carlo}, {}}},
      {"ZFB-4", zfb_paper, "Theorem 4.2, Eq. (4.6) (error at the optimum)", zfb_page,
       "The error of the trained predictor on prompts of length M is the best linear error + (1/M) "
       "tr(Sigma Gamma^-2 Lambda) + (1/N^2)[...] (noiseless: sum_k [(l_k^3 + T l_k^2)/M + l_k (l_k + T)^2/N^2]/g_k^2)",
       Kind::analytic, {"ZFB-3"}, Control{"ZFB-4b", "1/N in place of 1/N^2"}, false,
       {{zfb_unit("zfb4_d2")}, {Engine::gaussian_moments, Engine::monte_carlo}, {{"zfb-error", "ZFB-4."}}}},
      {"ZFB-5", zfb_paper, "Sec. 5 (balancedness)", zfb_page,
       "Under gradient flow of the reduced model, (w22^PV)^2 - ||W11^KQ||_F^2 is constant; from "
       "Assumption 3 the limit factors are tr(Gamma^-2)^(-+1/4)",
       Kind::exact, {"ZFB-3"}, std::nullopt, false, {{}, {}, {{"zfb-flow", "ZFB-5."}}}},
      {"ZFB-6", zfb_paper, "Theorem 4.1 (convergence of gradient flow)", zfb_page,
       "Gradient flow from Assumption 3 converges to w22 W11 = Gamma^-1, the other blocks staying 0",
       Kind::statistical, {"ZFB-5"}, std::nullopt, false, {{}, {}, {{"zfb-flow", "ZFB-6."}}}},
      {"ZFB-7", zfb_paper, "Theorem 4.1 (isotropic case)", zfb_page,
       "For Lambda = I: Gamma^-1 = N/(N + d + 1) I",
       Kind::exact, {"ZFB-3"}, Control{"ZFB-7b", "N/(N + d) I"}, false,
       {{zfb_unit("zfb7_isotropic")}, {Engine::gaussian_moments}, {}}},
      {"ZFB-8", zfb_paper, "Sec. 4.2 (covariate shift)", zfb_page,
       "Trained on Lambda and tested on Omega, as M -> infinity the error tends to "
       "tr((Gamma^-1 Omega - I)^T Omega (Gamma^-1 Omega - I)) > 0 for generic Omega != Lambda",
       Kind::analytic, {"ZFB-4"}, std::nullopt, false,
       {{zfb_unit("zfb8_d2")}, {Engine::gaussian_moments, Engine::monte_carlo}, {{"zfb-shift", "ZFB-8."}}}},
      {"ZFB-9", zfb_paper, "Sec. 4.2 (task shift)", zfb_page,
       "The error depends on the task law only through E[w w^T]: two task laws with equal second "
       "moments give the same error",
       Kind::analytic, {"ZFB-4"}, Control{"ZFB-9b", "the fourth moments of the two laws (they differ)"}, false,
       {{zfb_unit("zfb9_d2")}, {Engine::gaussian_moments, Engine::monte_carlo}, {{"zfb-shift", "ZFB-9."}}}},
      {"ZFB-10", zfb_paper, "Theorem 4.2, Eq. (4.6) (any joint law with x ~ N(0, Lambda))", zfb_page,
       "For i.i.d. (x, y) with x ~ N(0, Lambda) and any y (noisy, non-linear): error = best linear error + "
       "(1/M) tr(Sigma Gamma^-2 Lambda) + (1/N^2)[|a|^2_{G^-2 L^3} + 2 tr(L) |a|^2_{G^-2 L^2} + tr(L)^2 "
       "|a|^2_{G^-2 L}], a = Lambda^-1 E[xy], Sigma = Cov(xy)",
       Kind::analytic, {"ZFB-4"}, std::nullopt, false,
       {{zfb_unit("zfb10_d2")}, {Engine::gaussian_moments, Engine::monte_carlo}, {}}},
      {"ZFB-11", zfb_paper, "Corollary 4.3", zfb_page,
       "With w ~ N(0, I): once M >= (d + 1) tr(Lambda)/eps the error is at most eps + (1 + 2d + d^2 kappa) "
       "tr(Lambda)/N^2 (kappa the condition number of Lambda)",
       Kind::analytic, {"ZFB-4"}, std::nullopt, false, {{zfb_unit("zfb11_12")}, {Engine::gaussian_moments}, {}}},
      {"ZFB-12", zfb_paper, "Theorem 4.5 and Sec. 4.3 (random covariance)", zfb_page,
       "With Lambda = diag(lambda_k), i.i.d. positive entries per prompt, the minimiser is a I, a = E[l^2] / "
       "E[l^2 ((1 + 1/N) l + tr(Lambda)/N)]; Exponential(1): E y_hat -> <w, x_q>/3 as N, M -> infinity",
       Kind::analytic, {"ZFB-3"}, std::nullopt, false,
       {{zfb_unit("zfb11_12")}, {Engine::gaussian_moments, Engine::monte_carlo}, {}}},
      {"ZFB-13", zfb_paper, "Sec. 4.3 and Sec. 5 (experiments with GPT-2)", zfb_page,
       "A trained softmax transformer with MLPs is more robust to covariate shift (test inputs scaled "
       "by c = 4, 9) than the trained LSA, still fails at c = 9, and its error spikes when M > N",
       Kind::statistical, {"ZFB-8"}, std::nullopt, false, {{}, {}, {{"zfb-transformer", "ZFB-13."}}}},
      // --- Mahankali et al. 2023 --------------------------------------------------------------
      {"MAH-1", mah_paper, "Sec. 3 (noisy labels, non-isotropic weights)", ahn_page,
       "The optimal one-layer LSA with noise sigma^2: A* = S_w L [(1 + 1/n) L S_w L + ((tr(S_w L) + "
       "sigma^2)/n) L]^-1; isotropic: n/(n + d + 1 + sigma^2) I",
       Kind::analytic, {"ZFB-3"}, Control{"MAH-1b", "the noise-free formula (sigma^2 dropped)"}, false,
       {{zfb_unit("mah1_d2")}, {Engine::gaussian_moments, Engine::monte_carlo}, {}}},
      // --- Dai et al. 2023 --------------------------------------------------------------------
      {"DAI-1", dai_paper, "Sec. 3.1, Eqs. (7)-(9)", dai_page,
       "A linear layer after GD updates is attention over past inputs: "
       "(W_0 + sum_i e_i x'_i^T) x = W_0 x + E X'^T x",
       Kind::exact, {}, Control{"DAI-1b", "the error signals with the wrong sign: W_0 x - E X'^T x"}, false,
       {{dai_fixed, dimfree_others}, dai_engines, {}}},
      {"DAI-2", dai_paper, "Sec. 3.2, Eqs. (10)-(12)", dai_page,
       "Relaxed linear attention splits into zero-shot and in-context parts: "
       "W_V [X';X] (W_K [X';X])^T q = (W_ZSL + dW_ICL) q",
       Kind::exact, {"DAI-1"}, Control{"DAI-2b", "the demonstrations dropped: W_ZSL q alone"}, false,
       {{dai_fixed, dimfree_others}, dai_engines, {}}},
      {"DAI-3", dai_paper, "Sec. 3.1 (back-propagation)", dai_page,
       "One SGD step on a linear layer with output gradient g gives dW = -gamma g x^T: the dual "
       "form's e_i is one back-propagation step",
       Kind::exact, {"DAI-1"}, Control{"DAI-3b", "the transposed outer product -gamma x g^T"}, false,
       {{}, {Engine::training_backward}, {}}},
      {"DAI-4", dai_paper, "Sec. 5 (momentum attention)", dai_page,
       "The recursion m_t = eta (m_{t-1} + v_{t-1}), m_1 = 0, equals sum_{i<t} eta^(t-i) v_i",
       Kind::exact, {}, Control{"DAI-4b", "the newest value not decayed: m_t = eta m_{t-1} + v_{t-1}"}, false,
       {{dai_fixed, dimfree_others}, dai_engines, {}}},
      {"DAI-5", dai_paper, "Sec. 4 (metrics of the released code)", dai_page,
       "The metrics Rec2FTP, SimAOU (on normalised attention outputs), SimAM (on pre-softmax "
       "scores) and Kendall tau as the released code computes them (unit tests on hand-made arrays; "
       "in the demo: the paper's and the code's finetuning side of Kendall rank alike)",
       Kind::statistical, {}, std::nullopt, false, {{}, {}, {{"dai-icl-vs-ft", "DAI-5."}}}},
      {"DAI-6", dai_paper, "Sec. 3.2 (the softmax relaxation)", dai_page,
       "The zero-shot / in-context split is exact only for relaxed (linear) attention; with softmax "
       "it fails: softmax attention over [X';X] is not attention over X plus attention over X' "
       "(a counterexample, searched for from the smallest size)",
       Kind::exact, {"DAI-2"}, std::nullopt, true, {{}, {Engine::exact_rational, Engine::numeric_double}, {}}},
      {"DAI-7", dai_paper, "Sec. 5 and App. C (momentum attention; icgd's id: small-scale comparison)", dai_page,
       "Momentum attention (attention plus sum_{i<t} eta^(t-i) v_i) beats plain attention beyond "
       "the seed spread, at the same budget and seeds: in-context linear regression loss and "
       "held-out perplexity of a small character-level language model",
       Kind::statistical, {"DAI-4"}, std::nullopt, false, {{}, {}, {{"momentum", "DAI-7."}}}},
      {"DAI-8", dai_paper, "Sec. 4 (ICL vs finetuning; icgd's id: the untrained-model null)", dai_page,
       "On small softmax transformers trained for in-context regression and classification, ICL's "
       "similarity to K/V finetuning (SimAOU, SimAM, Kendall) exceeds the same architecture "
       "untrained by more than twice the seed standard error",
       Kind::statistical, {"DAI-2", "DAI-5"}, std::nullopt, false, {{}, {}, {{"dai-icl-vs-ft", "DAI-8."}}}},
  };
  return claims;
}

std::optional<Claim> find_claim(const std::string& id) {
  for (const auto& c : registry())
    if (c.id == id) return c;
  return std::nullopt;
}

}  // namespace icgd::claims

// Dai et al. 2023's ICL-versus-finetuning metrics (icgd/train/icl_metrics.hpp; docs/papers/dai.md,
// "The experiments: ICL against finetuning").
#include "icgd/train/icl_metrics.hpp"

#include "icgd/train/rng.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace icgd::train {

namespace {
// The reference adds 1e−20 to norms (cal_cos_sim, norm_hidden) so that a zero vector gives 0, not NaN.
constexpr double kReferenceEpsilon = 1e-20;
// Random directions draw from their own stream so that they never coincide with tasks.
constexpr std::uint32_t kRandomDirectionStream = static_cast<std::uint32_t>(Stream::user) + 7;
}  // namespace

PromptRecord record_prompt(const Model<double>& model, const Eigen::MatrixXd& tokens) {
  const ModelConfig& c = model.config();
  if (c.attention != AttentionParam::full)
    throw std::invalid_argument("record_prompt: needs the full attention parametrisation");
  if (tokens.rows() != c.token_width || tokens.cols() < 1)
    throw std::invalid_argument("record_prompt: tokens must be token_width x L with L >= 1");
  ModelWorkspace<double> ws;
  const int L = static_cast<int>(tokens.cols());
  PromptRecord record;
  record.prediction = model.forward_block(tokens, L, ws).col(0);
  const int H = c.num_heads;
  const int k = c.head_key_size();
  record.layers.resize(static_cast<std::size_t>(c.num_layers));
  for (int l = 0; l < c.num_layers; ++l) {
    const AttentionCache<double>& cache = ws.attn[static_cast<std::size_t>(l)];
    QueryAttentionRecord& r = record.layers[static_cast<std::size_t>(l)];
    const int num_kv = cache.num_kv;
    if (num_kv < 1) throw std::invalid_argument("record_prompt: the query attends to no token");
    const bool softmax = c.layer_uses_softmax(l);
    const double scale = softmax ? 1.0 / std::sqrt(static_cast<double>(k)) : 1.0;
    r.scores.resize(H, num_kv);
    r.weights.resize(H, num_kv);
    for (int h = 0; h < H; ++h) {
      r.scores.row(h) = (cache.K.block(h * k, 0, k, num_kv).transpose() * cache.Q.block(h * k, L - 1, k, 1)).transpose() * scale;
      r.weights.row(h) = cache.attn[static_cast<std::size_t>(h)].col(L - 1).transpose();
    }
    r.output = model.attention(l).P * cache.heads_out.col(L - 1);
    r.queries = cache.Q;
  }
  return record;
}

double reference_cosine(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  if (a.size() != b.size()) throw std::invalid_argument("reference_cosine: sizes differ");
  return a.dot(b) / (a.norm() * b.norm() + kReferenceEpsilon);
}

Eigen::VectorXd reference_normalised(const Eigen::VectorXd& h) { return h / (h.norm() + kReferenceEpsilon); }

RecallToFinetuning recall_to_finetuning(const std::vector<bool>& zsl_right, const std::vector<bool>& ft_right,
                                        const std::vector<bool>& icl_right) {
  if (zsl_right.size() != ft_right.size() || zsl_right.size() != icl_right.size())
    throw std::invalid_argument("recall_to_finetuning: the three outcome lists differ in length");
  RecallToFinetuning r;
  r.examples = static_cast<int>(zsl_right.size());
  for (std::size_t i = 0; i < zsl_right.size(); ++i) {
    if (zsl_right[i]) continue;
    if (icl_right[i]) ++r.zsl_wrong_icl_right;
    if (ft_right[i]) {
      ++r.zsl_wrong_ft_right;
      if (icl_right[i]) ++r.zsl_wrong_ft_right_icl_right;
    }
  }
  r.percent = r.zsl_wrong_ft_right > 0 ? 100.0 * r.zsl_wrong_ft_right_icl_right / r.zsl_wrong_ft_right
                                       : std::numeric_limits<double>::quiet_NaN();
  return r;
}

double attention_output_update_similarity(const Eigen::VectorXd& zsl, const Eigen::VectorXd& icl,
                                          const Eigen::VectorXd& ft) {
  const Eigen::VectorXd base = reference_normalised(zsl);
  return reference_cosine(reference_normalised(icl) - base, reference_normalised(ft) - base);
}

double attention_map_similarity(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols() || a.rows() < 1)
    throw std::invalid_argument("attention_map_similarity: maps must both be heads x len, heads >= 1");
  double sum = 0;
  for (Eigen::Index h = 0; h < a.rows(); ++h) sum += reference_cosine(a.row(h).transpose(), b.row(h).transpose());
  return sum / static_cast<double>(a.rows());
}

double kendall_tau_b(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  if (a.size() != b.size()) throw std::invalid_argument("kendall_tau_b: sizes differ");
  // τ_b = (C − D) / √((n0 − t_a)(n0 − t_b)): C, D concordant and discordant pairs, t_a and t_b
  // the pairs tied in a (resp. b), n0 all pairs. O(n²): the prompts here have tens of tokens.
  long long concordant_minus_discordant = 0, untied_a = 0, untied_b = 0;
  const Eigen::Index n = a.size();
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i + 1; j < n; ++j) {
      const double da = a(i) - a(j), db = b(i) - b(j);
      const int sa = (da > 0) - (da < 0), sb = (db > 0) - (db < 0);
      concordant_minus_discordant += sa * sb;
      untied_a += sa != 0;
      untied_b += sb != 0;
    }
  if (untied_a == 0 || untied_b == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(concordant_minus_discordant) /
         std::sqrt(static_cast<double>(untied_a) * static_cast<double>(untied_b));
}

Eigen::VectorXd random_direction(Eigen::Index size, double norm, bool reference, std::uint64_t seed,
                                 std::uint64_t index) {
  TaskRng rng(seed, kRandomDirectionStream, index, reference ? 1u : 0u);
  Eigen::VectorXd v(size);
  for (Eigen::Index i = 0; i < size; ++i) v(i) = reference ? rng.uniform01() : rng.normal();
  if (reference) return v;
  const double length = v.norm();
  return length > 0 ? Eigen::VectorXd(v * (norm / length)) : v;
}

}  // namespace icgd::train

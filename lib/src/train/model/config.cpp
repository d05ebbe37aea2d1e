// ModelConfig (model.hpp): the paper's stack, validation, and the JSON form written in one
// place (the NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT field list below).
#include "icgd/train/model.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace icgd::train {

namespace {

const char* attention_name(AttentionParam a) {
  switch (a) {
    case AttentionParam::full: return "full";
    case AttentionParam::gd: return "gd";
    case AttentionParam::gd_plus_plus: return "gd_plus_plus";
  }
  return "full";
}

const char* init_name(InitKind k) {
  return k == InitKind::scaled_normal ? "scaled_normal" : "variance_scaling";
}

}  // namespace

// The enums as strings; an unknown string is an error (NLOHMANN_JSON_SERIALIZE_ENUM would map it
// to the first value silently).
void to_json(nlohmann::json& j, AttentionParam a) { j = attention_name(a); }
void from_json(const nlohmann::json& j, AttentionParam& a) {
  const std::string s = j.get<std::string>();
  if (s == "full")
    a = AttentionParam::full;
  else if (s == "gd")
    a = AttentionParam::gd;
  else if (s == "gd_plus_plus")
    a = AttentionParam::gd_plus_plus;
  else
    throw std::invalid_argument("ModelConfig: unknown attention parametrisation " + s);
}
void to_json(nlohmann::json& j, InitKind k) { j = init_name(k); }
void from_json(const nlohmann::json& j, InitKind& k) {
  const std::string s = j.get<std::string>();
  if (s == "scaled_normal")
    k = InitKind::scaled_normal;
  else if (s == "variance_scaling")
    k = InitKind::variance_scaling;
  else
    throw std::invalid_argument("ModelConfig: unknown init " + s);
}

// Every field, once: to_json writes them all; from_json reads those present and keeps the
// defaults of ModelConfig{} for the others (older weight files lack newer fields).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ModelConfig, token_width, y_dim, num_context,
                                                num_layers, recurrent, num_heads, key_size,
                                                attention, softmax, first_layer_softmax,
                                                include_query_in_kv, damping, mlp_blocks,
                                                widening_factor, layer_norm, use_bias,
                                                input_embedding, embed_dim, input_mlp,
                                                input_mlp_hidden, readout_sign, init, init_scale,
                                                gd_eta_init, gd_gamma_init, momentum_decay)

ModelConfig ModelConfig::for_von_oswald(int x_dim, int y_dim, int num_context, int num_layers,
                                        bool recurrent) {
  ModelConfig c;
  c.token_width = x_dim + y_dim;
  c.y_dim = y_dim;
  c.num_context = num_context;
  c.num_layers = num_layers;
  c.recurrent = recurrent;
  c.num_heads = 1;
  c.key_size = 0;
  c.init_scale = 0.002 / num_layers;
  return c;
}

void ModelConfig::validate() const {
  if (token_width < 1 || y_dim < 1) throw std::invalid_argument("ModelConfig: bad widths");
  if (y_dim > hidden_width()) throw std::invalid_argument("ModelConfig: y_dim exceeds hidden width");
  if (num_layers < 1 || num_heads < 1) throw std::invalid_argument("ModelConfig: need >= 1 layer and head");
  if (input_embedding && embed_dim < 1) throw std::invalid_argument("ModelConfig: bad embed_dim");
  if (!(momentum_decay >= 0 && momentum_decay < 1))
    throw std::invalid_argument("ModelConfig: momentum_decay must be in [0, 1)");
  if (attention != AttentionParam::full) {
    if (num_heads != 1 || head_key_size() != hidden_width())
      throw std::invalid_argument(
          "ModelConfig: GD-structured attention needs one head with key size = width");
    if (num_context < 1) throw std::invalid_argument("ModelConfig: GD-structured attention needs N");
  }
}

nlohmann::json ModelConfig::to_json() const {
  nlohmann::json j;
  icgd::train::to_json(j, *this);
  return j;
}

ModelConfig ModelConfig::from_json(const nlohmann::json& j) {
  ModelConfig c;
  icgd::train::from_json(j, c);
  c.validate();
  return c;
}

}  // namespace icgd::train

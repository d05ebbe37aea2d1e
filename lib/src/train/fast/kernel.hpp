// lib/src/train/fast/kernel.hpp — internals of the fast LSA path (icgd/train/fast_lsa.hpp): task
// generation in cache and the hand-derived forward/backward for one group of tasks held in
// the lanes of AVX2 registers. Private to icgd_train (fast/passes.cpp drives it) and its tests.
//
// Notation (docs/performance.md, "Backward pass"): per task, tokens E (N+1 tokens of width
// D = d+1, the query last), context Gram matrix S = Σ_{i<N} e_i e_iᵀ, shared merged weights
// M = W_Kᵀ W_Q and U = λ P W_V (D × D, broadcast to every lane). One layer (docs/papers/von_oswald.md, "The linear self-attention layer"):
//   E' = E + T E,  T = U S M                      (every token, query included)
// Backward from dE' (derivation: E' = E + U S M E, S symmetric):
//   dT = Σ_j dE'_j e_jᵀ,  dE_j = dE'_j + Tᵀ dE'_j,
//   dU += dT (S M)ᵀ,  dA = Uᵀ dT,  dM += S dA,  dS = dA Mᵀ,
//   dE_i += (dS + dSᵀ) e_i  for the context tokens i < N.
// The last layer only has to deliver the query's y-slot, out = e_q[D−1] + Σ_i (uᵀe_i)(e_iᵀ q̃)
// with u = U's last row and q̃ = M e_q, which costs O(N·D) instead of O(D³) (see last_forward).
// Two savings of multiply-adds (docs/performance.md, "What bounds it"):
//   - S is symmetric: only its upper triangle is summed (context_gram), then mirrored; the
//     products and their order are those of the full product, so S is bit-for-bit the same.
//   - The read-out's gradient w.r.t. its context tokens is g (b_i u + a_i q̃): every row lies in
//     span{u, q̃}. The layer below it therefore gets dT as three outer products and its own
//     input gradient from Tᵀu and Tᵀq̃ (backward_below_readout), O(N·D + D²) instead of the
//     two (N+1)·D² products of backward_full.
#pragma once

#include "fast/stream.hpp"
#include "fast/simd.hpp"

#include <cstdint>
#include <utility>

namespace icgd::train::fast {

inline constexpr int kMaxWidth = 64;  // D = d + 1 for the runtime-sized instantiation

/// Runtime or compile-time extent: kD > 0 fixes D at compile time (loops unroll, accumulators
/// stay in registers); kD = 0 reads it at run time.
template <int kD>
struct Width {
  int runtime;
  constexpr int operator()() const { return kD > 0 ? kD : runtime; }
};

enum class Init { zero, accumulate, from };

/// C(o, p) = base + Σ_{q<Q} X(o, q) · Y(q, p) over lane vectors, o < O, p < P, with
/// X(o, q) = X[o·xo + q·xq], Y(q, p) = Y[q·yq + p·yp], C(o, p) = C[o·co + p·cp] and base 0,
/// C itself, or B at C's position. With kP > 0 the P accumulators of one row o live in
/// registers and each multiply-add reads one vector from memory.
template <int kP, class V>
[[gnu::always_inline]] inline void lane_gemm(int O, int Q, int P_runtime, const V* X, int xo,
                                             int xq, const V* Y, int yq, int yp, V* C, int co,
                                             int cp, Init init, const V* B = nullptr) {
  if constexpr (kP > 0) {
    for (int o = 0; o < O; ++o) {
      V acc[kP];
#pragma GCC unroll 64
      for (int p = 0; p < kP; ++p) {
        if (init == Init::zero)
          acc[p] = V{};
        else if (init == Init::accumulate)
          acc[p] = C[o * co + p * cp];
        else
          acc[p] = B[o * co + p * cp];
      }
      for (int q = 0; q < Q; ++q) {
        const V x = X[o * xo + q * xq];
#pragma GCC unroll 64
        for (int p = 0; p < kP; ++p) acc[p] += x * Y[q * yq + p * yp];
      }
#pragma GCC unroll 64
      for (int p = 0; p < kP; ++p) C[o * co + p * cp] = acc[p];
    }
  } else {
    const int P = P_runtime;
    for (int o = 0; o < O; ++o) {
      for (int p = 0; p < P; ++p) {
        V& c = C[o * co + p * cp];
        if (init == Init::zero)
          c = V{};
        else if (init == Init::from)
          c = B[o * co + p * cp];
      }
      for (int q = 0; q < Q; ++q) {
        const V x = X[o * xo + q * xq];
        for (int p = 0; p < P; ++p) C[o * co + p * cp] += x * Y[q * yq + p * yp];
      }
    }
  }
}

/// One row r of the upper triangle of S = Σ_{i<N} e_i e_iᵀ for a compile-time width: the
/// kD − r entries S(r, r..kD−1), accumulated in registers (lane_gemm with P = kD − r).
template <int kD, int r, class V>
[[gnu::always_inline]] inline void gram_row(int N, const V* E, V* S) {
  lane_gemm<kD - r>(1, N, kD - r, E + r, 0, kD, E + r, kD, 1, S + r * kD + r, 0, 1, Init::zero);
}
template <int kD, class V, int... r>
[[gnu::always_inline]] inline void gram_rows(int N, const V* E, V* S,
                                             std::integer_sequence<int, r...>) {
  (gram_row<kD, r>(N, E, S), ...);
}

/// S(r, c) = Σ_{i<N} E(i, r) E(i, c) (tokens of width D, row-major): the upper triangle, then
/// mirrored. The same products summed in the same order as the full product, so the same bits.
template <int kD, class V>
inline void context_gram(int D, int N, const V* E, V* S) {
  if constexpr (kD > 0) {
    gram_rows<kD>(N, E, S, std::make_integer_sequence<int, kD>{});
  } else {
    for (int r = 0; r < D; ++r)
      lane_gemm<0>(1, N, D - r, E + r, 0, D, E + r, D, 1, S + r * D + r, 0, 1, Init::zero);
  }
  for (int r = 0; r < D; ++r)
    for (int c = r + 1; c < D; ++c) S[c * D + r] = S[r * D + c];
}

// ---------------------------------------------------------------------------------------------
// Task generation (stream layout: fast/stream.hpp). One generation group = 8 consecutive tasks
// = the 8 lanes of the stream's words = 1 float lane group or 2 double lane groups ("halves").
// ---------------------------------------------------------------------------------------------

/// Triples of input words drawn per stream call (3 KB of words, in L1).
inline constexpr int kGenerateChunkTriples = 32;

/// Draws the input words of tasks first_task .. first_task + 7 (words 3u, 3u+1, 3u+2 of domain
/// kDomainInputs hold inputs 4u .. 4u+3, split_triple), only as many triples as the (N+1)·d
/// inputs need, kGenerateChunkTriples per stream call: use(t0, n, words) gets triples
/// t0 .. t0+n−1. Generation and the words-only pass both draw through here, so they draw the
/// same words by the same calls.
template <class Use>
[[gnu::always_inline]] inline void draw_input_words(const TaskStream& stream,
                                                    std::uint32_t first_task, int D, int N,
                                                    Use&& use) {
  U32x8 words[3 * kGenerateChunkTriples];
  const int triples = ((N + 1) * (D - 1) + 3) / 4;
  for (int t0 = 0; t0 < triples; t0 += kGenerateChunkTriples) {
    const int n = triples - t0 < kGenerateChunkTriples ? triples - t0 : kGenerateChunkTriples;
    stream.words(first_task, kDomainInputs, static_cast<std::uint32_t>(3 * t0), 3 * n, words);
    use(t0, n, words);
  }
}

/// Draws the Box–Muller words of those tasks, pairs (2p, 2p+1) of domain kDomainWeights for the
/// ⌈d/2⌉ pairs that d weights need, into `words`; returns the number of pairs.
inline int draw_weight_words(const TaskStream& stream, std::uint32_t first_task, int D,
                             U32x8* words) {
  const int pairs = D / 2;  // ⌈d/2⌉ with d = D − 1
  stream.words(first_task, kDomainWeights, 0, 2 * pairs, words);
  return pairs;
}

/// The stream words of generate_group, drawn and not converted: the generator's own share of
/// generation, which `icgd bench` reports (FastLsaObjective::stream_words_only). Returns their
/// XOR, a value that depends on every word, so that none of the work can be dropped.
inline U32x8 draw_group_words(const TaskStream& stream, std::uint32_t first_task, int D, int N) {
  U32x8 all{};
  draw_input_words(stream, first_task, D, N, [&](int, int n, const U32x8* words) {
    for (int i = 0; i < 3 * n; ++i) all ^= words[i];
  });
  U32x8 words[kMaxWidth];  // 2·⌈d/2⌉ ≤ D ≤ kMaxWidth
  const int pairs = draw_weight_words(stream, first_task, D, words);
  for (int i = 0; i < 2 * pairs; ++i) all ^= words[i];
  return all;
}

/// Fills the tokens E0 ((N+1) × D per half; x in slots 0..d−1, the context labels in slot d,
/// the query's label slot 0), the query targets and (optionally) the task weights w.
/// Tasks first_task .. first_task + 7 (first_task a multiple of 4, stream.hpp). x of token j,
/// component c is input j·d + c of the task (four inputs per three words of domain
/// kDomainInputs); the weights are Box–Muller pairs of words (2p, 2p+1) of domain
/// kDomainWeights. y_j = Σ_c w_c x_jc summed in c order in T.
/// Never inlined: the trainer and fast_generate_tasks must run the very same machine code, or
/// the compiler may contract a·b + c into a fused multiply-add in one place and not in the other
/// and the "same" tasks would differ in the last bit (it did, with a compile-time width in one
/// caller and a runtime width in the other).
/// `xs` is scratch for generate_scratch_size(D, N) lane vectors.
inline long generate_scratch_size(int D, int N) {
  return 2 * (static_cast<long>(N + 1) * (D - 1) + 16);
}

template <class T>
[[gnu::noinline]] void generate_group(const TaskStream& stream, std::uint32_t first_task,
                                      int D, int N, T half_width, T weight_scale,
                                      typename Lanes<T>::V* const* E0,
                                      typename Lanes<T>::V* targets,
                                      typename Lanes<T>::V* const* w_out,
                                      typename Lanes<T>::V* xs) {
  using V = typename Lanes<T>::V;
  constexpr int kHalves = sizeof(T) == 4 ? 1 : 2;
  const int d = D - 1;
  V lanes[2];

  // Inputs x, in stream order i = j·d + c (draw_input_words). They go to the scratch xs (half
  // h at xs + h·stride); the label loop below moves them to their token slots.
  const long stride = static_cast<long>(N + 1) * d + 16;
  draw_input_words(stream, first_task, D, N, [&](int t0, int n, const U32x8* words) {
#pragma GCC unroll 4
    for (int t = 0; t < n; ++t) {
      U32x8 k[4];
      split_triple(words[3 * t], words[3 * t + 1], words[3 * t + 2], k);
#pragma GCC unroll 4
      for (int m = 0; m < 4; ++m) {
        uniform_lanes<T>(k[m], half_width, lanes);
        for (int h = 0; h < kHalves; ++h) xs[h * stride + 4 * (t0 + t) + m] = lanes[h];
      }
    }
  });

  // Weights w ~ N(0, I) by Box–Muller from words (2p, 2p+1) of domain kDomainWeights, in
  // float for both scalar types: u1 and u2 have 24 bits, so float's accuracy (< 4 ulp for log,
  // sin, cos) is all the draw can use, and double tasks then get exactly the float tasks' w
  // (before the scale) at a fraction of double's cost. Widened, then scaled in T.
  using F = Lanes<float>::V;
  F wf[kMaxWidth];
  U32x8 words[kMaxWidth];  // 2·⌈d/2⌉ ≤ D ≤ kMaxWidth
  const int pairs = draw_weight_words(stream, first_task, D, words);
  for (int pair = 0; pair < pairs; ++pair) {
    F u1, u2, z0, z1;
    to_lanes<float>(open_unit_numerator(words[2 * pair]), &u1);
    to_lanes<float>(unit_numerator(words[2 * pair + 1]), &u2);
    box_muller<float>(u1 * 0x1.0p-24f, u2 * 0x1.0p-24f, z0, z1);
    wf[2 * pair] = z0;
    if (2 * pair + 1 < d) wf[2 * pair + 1] = z1;
  }
  V w[kHalves][kMaxWidth];
  for (int c = 0; c < d; ++c) {
    if constexpr (sizeof(T) == 4) {
      w[0][c] = wf[c] * weight_scale;
    } else {
      using F4 = float __attribute__((vector_size(16)));
      const F4 lo = __builtin_shufflevector(wf[c], wf[c], 0, 1, 2, 3);
      const F4 hi = __builtin_shufflevector(wf[c], wf[c], 4, 5, 6, 7);
      w[0][c] = __builtin_convertvector(lo, V) * weight_scale;
      w[1][c] = __builtin_convertvector(hi, V) * weight_scale;
    }
  }

  // Labels y_j = Σ_c w_c x_jc, summed in c order (one rounding per multiply-add), four tokens
  // at a time so that the four sums are independent chains; the tokens' x move from the
  // scratch to their slots on the way. When N + 1 is not a multiple of four, the last block is
  // the last four tokens, overlapping the block before it: a token done twice gets the same
  // bits both times, and no token is left to a single serial chain (three of them took about
  // a third of the label time). The query's label is the target; its slot stays 0.
  for (int h = 0; h < kHalves; ++h) {
    V* E = E0[h];
    const V* x = xs + h * stride;
    const V* wh = w[h];
    const auto four_tokens = [&](int j) {
      V y0{}, y1{}, y2{}, y3{};
      for (int c = 0; c < d; ++c) {
        const V x0 = x[j * d + c], x1 = x[(j + 1) * d + c], x2 = x[(j + 2) * d + c],
                x3 = x[(j + 3) * d + c];
        y0 += wh[c] * x0;
        y1 += wh[c] * x1;
        y2 += wh[c] * x2;
        y3 += wh[c] * x3;
        E[j * D + c] = x0;
        E[(j + 1) * D + c] = x1;
        E[(j + 2) * D + c] = x2;
        E[(j + 3) * D + c] = x3;
      }
      E[j * D + d] = y0;
      E[(j + 1) * D + d] = y1;
      E[(j + 2) * D + d] = y2;
      E[(j + 3) * D + d] = y3;
    };
    int j = 0;
    for (; j + 4 <= N + 1; j += 4) four_tokens(j);
    if (j <= N && N + 1 >= 4) {
      four_tokens(N + 1 - 4);
    } else {
      for (; j <= N; ++j) {
        V y{};
        for (int c = 0; c < d; ++c) {
          y += wh[c] * x[j * d + c];
          E[j * D + c] = x[j * d + c];
        }
        E[j * D + d] = y;
      }
    }
    targets[h] = E[N * D + d];
    E[N * D + d] = V{};
    if (w_out != nullptr)
      for (int c = 0; c < d; ++c) w_out[h][c] = w[h][c];
  }
}

/// Loads tasks first..first+lanes−1 of a plain batch (x: task-major, token-major, d per
/// token; y: task-major, N+1 per task, the query's = target) into one lane group; lanes past
/// `count` get zero tokens (their mask is 0).
template <class T, int kD>
inline void load_group(const double* x, const double* y, long first, long count, Width<kD> width,
                       int N, typename Lanes<T>::V* E0, typename Lanes<T>::V& target) {
  using V = typename Lanes<T>::V;
  const int D = width();
  const int d = D - 1;
  for (int k = 0; k < (N + 1) * D; ++k) E0[k] = V{};
  target = V{};
  for (int lane = 0; lane < Lanes<T>::width; ++lane) {
    const long b = first + lane;
    if (b >= count) break;
    const double* xb = x + b * (N + 1) * d;
    const double* yb = y + b * (N + 1);
    for (int j = 0; j <= N; ++j) {
      for (int c = 0; c < d; ++c) E0[j * D + c][lane] = static_cast<T>(xb[j * d + c]);
      if (j < N) E0[j * D + d][lane] = static_cast<T>(yb[j]);
    }
    target[lane] = static_cast<T>(yb[N]);
  }
}

// ---------------------------------------------------------------------------------------------
// Forward/backward of one lane group.
// ---------------------------------------------------------------------------------------------

template <class T, int kD>
struct GroupKernel {
  using V = typename Lanes<T>::V;

  Width<kD> width;
  int N = 0;            // context tokens
  int K = 0;            // layers
  bool recurrent = false;
  // Merged weights broadcast to lanes, [set][D·D] row-major: M = W_Kᵀ W_Q, U = λ P W_V.
  const V* M = nullptr;
  const V* U = nullptr;
  // Tokens entering layer 0 ((N+1)·D, filled by the caller for each group).
  V* E0 = nullptr;
  // Scratch (owned by the caller, sized by scratch_size): tokens entering layers 1..K−1,
  // S/A/T of the full layers (D·D each), backward temporaries.
  V* E = nullptr;
  V* S = nullptr;
  V* A = nullptr;
  V* Tm = nullptr;
  V* dE_next = nullptr;
  V* dE_cur = nullptr;
  V* dT = nullptr;
  V* dA = nullptr;
  V* dS = nullptr;
  V* ab = nullptr;  // a_i, b_i of the last layer (2N)
  // Gradient accumulators per lane, [set][D·D], w.r.t. the merged M and U.
  V* dM = nullptr;
  V* dU = nullptr;
  // The last layer's dM contribution is rank one per task, ∂L/∂q̃ ⊗ e_q. Instead of 121
  // read-modify-writes of dM per group, the two vectors are stored here (D each) and the
  // caller adds Σ_groups su ⊗ e_q to dM once per chunk (flush_last_layer).
  V* su_store = nullptr;
  V* eq_store = nullptr;

  static long scratch_size(int D, int N, int K) {
    const long t = static_cast<long>(N + 1) * D, m = static_cast<long>(D) * D;
    return (K - 1) * t + 3 * (K - 1) * m + 2 * t + 3 * m + 2 * N;
  }
  void bind(V* scratch) {
    const int D = width();
    const long t = static_cast<long>(N + 1) * D, m = static_cast<long>(D) * D;
    E = scratch;
    S = E + (K - 1) * t;
    A = S + (K - 1) * m;
    Tm = A + (K - 1) * m;
    dE_next = Tm + (K - 1) * m;
    dE_cur = dE_next + t;
    dT = dE_cur + t;
    dA = dT + m;
    dS = dA + m;
    ab = dS + m;
  }

  int set_of(int layer) const { return recurrent ? 0 : layer; }
  const V* M_of(int layer) const { return M + static_cast<long>(set_of(layer)) * width() * width(); }
  const V* U_of(int layer) const { return U + static_cast<long>(set_of(layer)) * width() * width(); }
  V* dM_of(int layer) const { return dM + static_cast<long>(set_of(layer)) * width() * width(); }
  V* dU_of(int layer) const { return dU + static_cast<long>(set_of(layer)) * width() * width(); }
  V* E_of(int layer) const {
    return layer == 0 ? E0 : E + static_cast<long>(layer - 1) * (N + 1) * width();
  }

  /// Layers 0..K−2 (all tokens are updated): E[l+1] = E[l] + U S M E[l]; keeps S, A = S M
  /// and T = U A for the backward pass.
  void forward_full(int l) const {
    const int D = width();
    const long m = static_cast<long>(D) * D;
    const V* El = E_of(l);
    V* Sl = S + l * m;
    V* Al = A + l * m;
    V* Tl = Tm + l * m;
    context_gram<kD>(D, N, El, Sl);
    // A = S M
    lane_gemm<kD>(D, D, D, Sl, D, 1, M_of(l), D, 1, Al, D, 1, Init::zero);
    // T = U A
    lane_gemm<kD>(D, D, D, U_of(l), D, 1, Al, D, 1, Tl, D, 1, Init::zero);
    // E'(j, r) = E(j, r) + Σ_c E(j, c) T(r, c)
    lane_gemm<kD>(N + 1, D, D, El, D, 1, Tl, 1, D, E_of(l + 1), D, 1, Init::from, El);
  }

  /// Backward of full layer l from d_out (gradient w.r.t. E[l+1]); accumulates dM, dU of its
  /// weight set and, if d_in is not null, writes the gradient w.r.t. E[l] there.
  void backward_full(int l, const V* d_out, V* d_in) const {
    const int D = width();
    const long m = static_cast<long>(D) * D;
    const V* El = E_of(l);
    const V* Tl = Tm + l * m;
    // dT(r, c) = Σ_j dE'(j, r) E(j, c)
    lane_gemm<kD>(D, N + 1, D, d_out, 1, D, El, D, 1, dT, D, 1, Init::zero);
    weight_gradients(l);
    if (d_in == nullptr) return;
    // dE(j, c) = dE'(j, c) + Σ_r dE'(j, r) T(r, c)
    lane_gemm<kD>(N + 1, D, D, d_out, D, 1, Tl, D, 1, d_in, D, 1, Init::from, d_out);
    add_gram_gradient(l, d_in);
  }

  /// Backward of full layer l = K − 2, the one below the read-out, straight from the read-out's
  /// gradient (last_backward with g = ∂L/∂out, its a_i, b_i in `ab`, q̃ in `qt`, and `dq`, the
  /// gradient w.r.t. its query token): its context rows g (b_i u + a_i q̃) are never formed.
  ///   dT = u pᵀ + q̃ sᵀ + dq e_qᵀ            with p = g Σ_i b_i e_i, s = g Σ_i a_i e_i (e of E[l]),
  ///   dE_i = g b_i (u + Tᵀu) + g a_i (q̃ + Tᵀq̃) + (dS + dSᵀ) e_i,   dE_q = dq + Tᵀ dq.
  /// The same gradient as backward_full(l, ∂L/∂E[l+1], d_in), up to rounding.
  void backward_below_readout(int l, V g, const V* qt, const V* dq, V* d_in) const {
    const int D = width();
    const long m = static_cast<long>(D) * D;
    const V* El = E_of(l);
    const V* eq = El + N * D;
    const V* Tl = Tm + l * m;
    const V* u = U_of(K - 1) + (D - 1) * D;
    V p[kMaxWidth], s[kMaxWidth];
    lane_gemm<kD>(1, N, D, ab + N, 0, 1, El, D, 1, p, 0, 1, Init::zero);
    lane_gemm<kD>(1, N, D, ab, 0, 1, El, D, 1, s, 0, 1, Init::zero);
    for (int c = 0; c < D; ++c) {
      p[c] *= g;
      s[c] *= g;
    }
    for (int r = 0; r < D; ++r) {
      const V ur = u[r], qr = qt[r], dr = dq[r];
#pragma GCC unroll 64
      for (int c = 0; c < D; ++c) dT[r * D + c] = ur * p[c] + qr * s[c] + dr * eq[c];
    }
    weight_gradients(l);
    if (d_in == nullptr) return;
    // û = u + Tᵀu, q̂ = q̃ + Tᵀq̃; the query row dq + Tᵀdq.
    V uh[kMaxWidth], qh[kMaxWidth];
    lane_gemm<kD>(1, D, D, u, 0, 1, Tl, D, 1, uh, 0, 1, Init::from, u);
    lane_gemm<kD>(1, D, D, qt, 0, 1, Tl, D, 1, qh, 0, 1, Init::from, qt);
    lane_gemm<kD>(1, D, D, dq, 0, 1, Tl, D, 1, d_in + N * D, 0, 1, Init::from, dq);
    for (int i = 0; i < N; ++i) {
      const V gb = g * ab[N + i], ga = g * ab[i];
      V* de = d_in + i * D;
#pragma GCC unroll 64
      for (int c = 0; c < D; ++c) de[c] = gb * uh[c] + ga * qh[c];
    }
    add_gram_gradient(l, d_in);
  }

  /// From dT of full layer l: dU += dT (S M)ᵀ, dA = Uᵀ dT, dM += S dA (its weight set).
  void weight_gradients(int l) const {
    const int D = width();
    const long m = static_cast<long>(D) * D;
    const V* Sl = S + l * m;
    const V* Al = A + l * m;
    // dU(r, k) += Σ_c dT(r, c) A(k, c)
    lane_gemm<kD>(D, D, D, dT, D, 1, Al, 1, D, dU_of(l), D, 1, Init::accumulate);
    // dA(k, c) = Σ_r U(r, k) dT(r, c)
    lane_gemm<kD>(D, D, D, U_of(l), 1, D, dT, D, 1, dA, D, 1, Init::zero);
    // dM(k, c) += Σ_r S(r, k) dA(r, c)
    lane_gemm<kD>(D, D, D, Sl, 1, D, dA, D, 1, dM_of(l), D, 1, Init::accumulate);
  }

  /// The path through S = Σ e_i e_iᵀ of full layer l (after weight_gradients, which leaves dA):
  /// dE_i += (dS + dSᵀ) e_i for the context tokens, dS = dA Mᵀ.
  void add_gram_gradient(int l, V* d_in) const {
    const int D = width();
    const V* El = E_of(l);
    // dS(r, k) = Σ_c dA(r, c) M(k, c), then its symmetric part Q = dS + dSᵀ (in place)
    lane_gemm<kD>(D, D, D, dA, D, 1, M_of(l), 1, D, dS, D, 1, Init::zero);
    for (int r = 0; r < D; ++r)
      for (int c = r; c < D; ++c) {
        const V q = dS[r * D + c] + dS[c * D + r];
        dS[r * D + c] = q;
        dS[c * D + r] = q;
      }
    // dE(i, c) += Σ_r E(i, r) Q(r, c), context tokens only
    lane_gemm<kD>(N, D, D, El, D, 1, dS, D, 1, d_in, D, 1, Init::accumulate);
  }

  /// Read-out of the last layer: out = e_q[D−1] + Σ_i a_i b_i with a_i = uᵀe_i (u = U's last
  /// row) and b_i = e_iᵀ q̃, q̃ = M e_q. Leaves a, b in `ab` and q̃ in `qt`.
  V last_forward(V* qt) const {
    const int D = width();
    const int l = K - 1;
    const V* El = E_of(l);
    const V* Ml = M_of(l);
    const V* u = U_of(l) + (D - 1) * D;
    const V* eq = El + N * D;
    // q̃(r) = Σ_c e_q(c) M(r, c): D accumulators, independent chains
    lane_gemm<kD>(1, D, D, eq, 0, 1, Ml, 1, D, qt, 0, 1, Init::zero);
    V out = eq[D - 1];
    int i = 0;
    // Two tokens per iteration: four independent dot-product chains.
    for (; i + 2 <= N; i += 2) {
      const V* e = El + i * D;
      const V* f = e + D;
      V a = u[0] * e[0], b = qt[0] * e[0], a2 = u[0] * f[0], b2 = qt[0] * f[0];
#pragma GCC unroll 64
      for (int r = 1; r < D; ++r) {
        a += u[r] * e[r];
        b += qt[r] * e[r];
        a2 += u[r] * f[r];
        b2 += qt[r] * f[r];
      }
      ab[i] = a;
      ab[N + i] = b;
      ab[i + 1] = a2;
      ab[N + i + 1] = b2;
      out += a * b;
      out += a2 * b2;
    }
    for (; i < N; ++i) {
      const V* e = El + i * D;
      V a = u[0] * e[0], b = qt[0] * e[0];
#pragma GCC unroll 64
      for (int r = 1; r < D; ++r) {
        a += u[r] * e[r];
        b += qt[r] * e[r];
      }
      ab[i] = a;
      ab[N + i] = b;
      out += a * b;
    }
    return out;
  }

  /// Backward of the last layer for g = ∂L/∂out per lane: accumulates dM and the last row of
  /// dU; if dq is not null, writes there the gradient w.r.t. its query token (D lane vectors).
  ///   ∂out/∂u = Σ_i b_i e_i,  ∂out/∂M = (Σ_i a_i e_i) e_qᵀ,
  ///   ∂out/∂e_i = b_i u + a_i q̃ (i < N: left implicit, see backward_below_readout),
  ///   ∂out/∂e_q = Mᵀ Σ_i a_i e_i + [slot D−1].
  void last_backward(V g, V* dq) const {
    const int D = width();
    const int l = K - 1;
    const V* El = E_of(l);
    const V* Ml = M_of(l);
    const V* eq = El + N * D;
    V* dUl = dU_of(l) + (D - 1) * D;
    V* su = su_store;
    V sq[kMaxWidth];
    // su = g Σ a_i e_i = ∂L/∂q̃, sq = g Σ b_i e_i = ∂L/∂u (one sum at a time: D accumulators
    // fit in registers, 2D do not)
    lane_gemm<kD>(1, N, D, ab, 0, 1, El, D, 1, su, 0, 1, Init::zero);
    lane_gemm<kD>(1, N, D, ab + N, 0, 1, El, D, 1, sq, 0, 1, Init::zero);
    for (int r = 0; r < D; ++r) {
      su[r] *= g;
      dUl[r] += g * sq[r];
      eq_store[r] = eq[r];
    }

    if (dq == nullptr) return;
    // dE_q(c) = Σ_r M(r, c) su(r) (+ g at the y-slot: the residual)
    lane_gemm<kD>(1, D, D, su, 0, 1, Ml, D, 1, dq, 0, 1, Init::zero);
    dq[D - 1] += g;
  }

  /// Adds Σ_{g<groups} su_g ⊗ e_q,g (stored by last_backward, D vectors per group, groups
  /// consecutive) to the last layer's dM.
  void flush_last_layer(const V* su_all, const V* eq_all, int groups) const {
    const int D = width();
    lane_gemm<kD>(D, groups, D, su_all, 1, D, eq_all, D, 1, dM_of(K - 1), D, 1, Init::accumulate);
  }

  /// Forward only: the prediction ŷ = −out of every lane.
  V predict() const {
    for (int l = 0; l + 1 < K; ++l) forward_full(l);
    V qt[kMaxWidth];
    return -last_forward(qt);
  }

  /// Forward and backward of one group whose E[0] is filled. `mask` is 1 on real tasks, 0 on
  /// padding. Returns the masked residual r = ŷ − y; accumulates the gradient of
  /// 0.5 Σ_lanes r² into dM/dU (unnormalised: the caller divides by the batch size).
  V train(V target, V mask) const {
    for (int l = 0; l + 1 < K; ++l) forward_full(l);
    V qt[kMaxWidth];
    const V out = last_forward(qt);
    const V r = (-out - target) * mask;
    // L = ½ r², ŷ = −out  ⇒  ∂L/∂out = −r
    const V g = -r;
    V dq[kMaxWidth];
    last_backward(g, K > 1 ? dq : nullptr);
    if (K == 1) return r;
    V* d_out = dE_next;
    V* d_in = dE_cur;
    backward_below_readout(K - 2, g, qt, dq, K > 2 ? d_out : nullptr);
    for (int l = K - 3; l >= 0; --l) {
      backward_full(l, d_out, l > 0 ? d_in : nullptr);
      V* t = d_out;
      d_out = d_in;
      d_in = t;
    }
    return r;
  }
};

}  // namespace icgd::train::fast

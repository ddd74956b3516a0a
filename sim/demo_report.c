/* sim/demo_report.c: the sections of the demo report (sim/demo_report.h), in the order of the
 * notes: the statement each note of proofs-notes/ proves, the bound checked, what is measured and
 * the figure, with the function of sim/demo_report_check.c that judges it. */
#include "sim/demo_report.h"

#include <stddef.h>

#include "core/error.h"
#include "sim/demo_report_internal.h"

typedef int (*section_fn)(const srm_demo_report_dir *, srm_demo_report_section *);

static const struct {
    section_fn fn;
    srm_demo_report_section text;
} SECTIONS[] = {
    {srm_demo_report_definition,
     {"stability", "Stability (definition, proofs-notes/stability.md)",
      "proofs-notes/stability.md",
      "φ_w is λ-stable if λ < 1 and ‖φ_w(h, x) − φ_w(h′, x)‖ ≤ λ ‖h − h′‖ for all states and "
      "inputs. Along a trajectory this gives gap(k+1) ≤ λ gap(k): the (k+1)-step truncation at "
      "time t is one step of φ_w from the k-step truncation at time t − 1, with the same input.",
      "max over k of gap(k+1) / gap(k) ≤ λ  (gap(k) = max_t ‖s_t − s^k_t‖; LSTM: infinity norm, "
      "λ = λ_inf)",
      "The one-step ratio of the measured truncation gaps of every stable built-in model and of "
      "the decay-rate sweep (rows above 1e-8 of the largest gap), divided by the model's λ.",
      "fig-stability", NULL, "", 0, 0}},
    {srm_demo_report_rnn_condition,
     {"rnn-condition", "RNN condition (proofs-notes/rnn-condition.md)",
      "proofs-notes/rnn-condition.md",
      "If ρ is L_ρ-Lipschitz, the RNN h_t = ρ(W h_{t−1} + U x_t + b) is stable with "
      "λ = L_ρ ‖W‖₂ whenever that is < 1 (tanh, ReLU, identity: L_ρ = 1).",
      "fitted decay rate of the truncation gap ≤ λ = L_ρ ‖W‖₂",
      "For tanh and linear RNNs with ‖W‖₂ = λ swept over (0, 1): the rate exp(slope) of a GSL "
      "least-squares line through (k, log gap) (srm fit). A random W has spectral radius well "
      "below ‖W‖₂, so only the scalar system (n = 1, |w| = λ) can meet the bound with equality.",
      "fig-rate", NULL, "", 0, 0}},
    {srm_demo_report_lstm,
     {"lstm-conditions", "LSTM conditions (proofs-notes/lstm-conditions.md)",
      "proofs-notes/lstm-conditions.md",
      "With a = 1 − f_max, if ‖W_i‖_∞ < a, ‖W_o‖_∞ < a, ‖W_z‖_∞ ≤ a/4 and ‖W_f‖_∞ < a², one LSTM "
      "step contracts in the infinity norm on (c, h) with λ_inf < 1, and r steps contract in "
      "the Euclidean norm once √(2n) λ_inf^r < 1.",
      "‖s_t − s^k_t‖_∞ ≤ λ_inf^k ‖s_{t−k}‖_∞ (bound_traj) ≤ λ_inf^k / a (bound); outputs: "
      "L_f times bound_traj",
      "srm stability of the projected LSTM (lstm-stable) and its truncation gaps in the infinity "
      "norm against the certified bounds.",
      "fig-gap", NULL, "", 0, 0}},
    {srm_demo_report_data_dependent,
     {"data-dependent", "Data-dependent stability (proofs-notes/data-dependent-stability.md)",
      "proofs-notes/data-dependent-stability.md",
      "A model whose weights violate the sufficient conditions can still contract on the states "
      "and inputs that actually occur.",
      "measured contraction on data < 1 although λ(weights) ≥ 1",
      "A tanh RNN with ‖W‖₂ = 2: the fitted decay rate of its truncation gap on random inputs "
      "(upper end of its 95% interval must be < 1).",
      "fig-unstable", NULL, "", 0, 0}},
    {srm_demo_report_inference,
     {"inference", "Inference (Proposition, proofs-notes/inference.md)",
      "proofs-notes/inference.md",
      "If φ_w is λ-stable and L_x-Lipschitz in x, ‖x_t‖ ≤ B_x and f is L_f-Lipschitz, then "
      "‖h_t − h^k_t‖ ≤ λ^k ‖h_{t−k}‖ ≤ λ^k (‖φ_w(0,0)‖ + L_x B_x)/(1 − λ), and ‖y_t − y^k_t‖ ≤ ε "
      "once k ≥ log(L_f L_x B_x / ((1 − λ) ε)) / log(1/λ).",
      "state gap ≤ bound_traj = λ^k max_t ‖h_{t−k}‖ ≤ bound = λ^k H; output gap ≤ L_f bound_traj",
      "For tanh RNNs with λ = 0.5, 0.9, 0.99 on random inputs with ‖x_t‖ ≤ 1: the largest ratio "
      "over k of each gap to its bound (srm truncate). The first figure shows the k that the "
      "bound requires for ε = 1e-2, 1e-4, 1e-8.",
      "fig-gap", "fig-bound-k", "", 0, 0}},
    {srm_demo_report_gradient_gap,
     {"gradient-gap", "Gradient gap (Lemma, proofs-notes/gradient-gap.md)",
      "proofs-notes/gradient-gap.md",
      "For the loss p at time T: ‖∇_w p_T(w) − ∇_w p^k_T(w)‖ ≤ γ k λ^k, with γ polynomial in "
      "1/(1 − λ).",
      "observed max ‖∇p − ∇p^k‖ / (k λ^k) ≤ γ (analytic, proofs-notes/gradient-gap.md)",
      "srm trajectory records ‖∇p(w) − ∇p^k(w)‖ / (k λ^k) at the recurrent and at every "
      "truncated iterate, every step, both schedules (tanh RNN, λ = 0.5); the largest is "
      "compared with the analytic γ.",
      "fig-constants", NULL, "", 0, 0}},
    {srm_demo_report_smoothness,
     {"smoothness", "Smoothness (Lemma, proofs-notes/smoothness.md)",
      "proofs-notes/smoothness.md",
      "p_T and p^k_T are β-smooth in w with β independent of T.",
      "observed max ‖∇p(w) − ∇p(w′)‖ / ‖w − w′‖ ≤ β (analytic, proofs-notes/smoothness.md)",
      "srm trajectory records ‖∇p(w) − ∇p(w′)‖ / ‖w − w′‖ for successive recurrent iterates and "
      "for each truncated iterate against the recurrent one, every step, both schedules; the "
      "largest is compared with the analytic β.",
      "fig-constants", NULL, "", 0, 0}},
    {srm_demo_report_training,
     {"training", "Training (Theorem, proofs-notes/training-theorem.md)",
      "proofs-notes/training-theorem.md",
      "Projected gradient descent on the recurrent and the k-truncated objectives from the same "
      "weights with α_t = α/t gives δ_N ≤ γ k λ^k N^(αβ) (α + 1/β); with a constant step the "
      "recursion only gives growth like (1 + αβ)^N.",
      "‖w_recurr − w_trunc‖ after step t ≤ the theorem's bound at t (both schedules)",
      "Largest dist / bound over every step and every k of both schedules (tanh RNN, λ = 0.5), "
      "with γ, β estimated along the run (bound column) and with the analytic constants where "
      "that bound is finite.",
      "fig-trajectory", NULL, "", 0, 0}},
    {srm_demo_report_necessity,
     {"necessity", "Necessity (proofs-notes/necessity.md)",
      "proofs-notes/necessity.md",
      "Without stability truncation can fail for every k: h_t = a h_{t−1} + x_t with |a| ≥ 1 has "
      "h_t − h^k_t = a^k h_{t−k}, which does not vanish.",
      "gap(K) / gap(1) does not decay (≥ 0.5) for |a| = 1",
      "The scalar linear system with |a| = 1 (plus a bias) on random inputs: its truncation gap "
      "at the largest k against k = 1.",
      "fig-unstable", NULL, "", 0, 0}},
};
#define NSECTIONS (sizeof SECTIONS / sizeof SECTIONS[0])

size_t srm_demo_report_count(void) { return NSECTIONS; }

int srm_demo_report_judge(const srm_demo_report_dir *c, srm_demo_report_section *s)
{
    for (size_t i = 0; i < NSECTIONS; i++) {
        s[i] = SECTIONS[i].text;
        SRM_TRY(SECTIONS[i].fn(c, &s[i]));
    }
    return SRM_OK;
}

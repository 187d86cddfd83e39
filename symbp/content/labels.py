"""The words of every output, in each language: "{}" marks where math or a word goes.

English labels stay ASCII-friendly (Greek letters and signs are set in math mode by the LaTeX
format, so a .tex compiles with pdflatex); Chinese ones are for xelatex with ctex, HTML and
Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from symbp.errors import SymbpError

LANGUAGES = ("en", "zh")
DEFAULT_TITLE = "symbp network"

_EN: dict[str, str] = {
    "derivation_title": "{}: {}",
    "edge": "{} is the weight on the edge {}: {}.",
    "used_in": "{} is used in {} places (tied layers), so its gradient is the sum over its uses, "
    "one term per place: {}.",
    "initial_weights": "Initial weights: {}.",
    "samples_intro": "There are {} samples. L is the {} of the samples' losses, so every gradient "
    "is the {} of theirs; the steps below work sample 1, whose loss is {} (every z, a and δ "
    "below is sample 1's).",
    "dropout_rule": "Dropout (inverted, as torch's nn.Dropout and deeplearning.ai): a unit of "
    "a layer with dropout has a = m·f(z)/p, its mask m being 1 (kept, scaled by 1/p) or 0 "
    "(dropped) for this sample; keep probability {}; this sample's masks: {}.",
    "dropout_dropped": "Dropped here: {}. A dropped unit's a is 0 and its δ is 0 (∂a/∂z = "
    "m·f′(z)/p = 0), so no path to the loss passes through it and its incoming weights get no "
    "gradient from this sample.",
    "dropout_backward": "Dropout: ∂a/∂z = m·f′(z)/p, so a dropped unit's δ is 0: {}.",
    "dropout_backward_none": "Dropout: ∂a/∂z = m·f′(z)/p; no unit is dropped in this sample.",
    "chain_rule": "Chain rule: a sum over every path from {} to {} ({} in all)",
    "too_many_paths": "There are too many paths to list (more than {}): the δ form below "
    "computes the same sum layer by layer.",
    "local": "Local derivatives (symbol = formula = numbers = value)",
    "products": "Each path is the product of its factors",
    "path": "path {} ({})",
    "path_sum": "sum of the paths",
    "delta_form": "δ form (backpropagation: {}, output layer first)",
    "delta_why": "Every path from {} to the loss passes through {}, so they all share the "
    "factor {}. Backpropagation names it {} and computes it once per unit, output layer "
    "first; the gradient of a weight from unit i to unit j is then {}.",
    "delta_why_hidden": "Here too every path from {} passes through {} and shares {}, named "
    "{}. A hidden unit's activation reaches the loss only through the next layer's z, so {}: "
    "the δs of the layer after it are reused, not recomputed.",
    "softmax_ce": "With softmax outputs and cross-entropy the Jacobian sum simplifies: "
    "{} because the targets sum to 1 ({}), so every output's δ is simply {}.",
    "sigmoid_bce": "With a sigmoid output and binary cross-entropy σ′ = o(1 − o) cancels the "
    "denominator of ∂L/∂o, so {}.",
    "closed_form": "Closed form (inputs, targets and weights only)",
    "closed_form_where": "where {}.",
    "closed_form_too_long": "The closed form has {} terms and is not printed; the δ form above "
    "is the same derivative in named steps.",
    "closed_form_omitted": "Written out in inputs, targets and weights the closed form would "
    "have about {} symbols and operations, so it is not built; the δ form above is the same "
    "derivative in named steps.",
    # -- circuits (an expression's computational graph) --
    "circuit_title": "Computational graph",
    "circuit_intro": "The expression as a circuit of {} gates (one per operation), with inputs "
    "{}; the objective is {}.",
    "circuit_renamed": "A name assigned again is a new node: {}.",
    "circuit_forward": "Forward pass (node = formula = numbers = value)",
    "circuit_backward": "Backward pass, gate by gate from the objective",
    "circuit_backward_intro": "Start with {}. At each gate, the gradient arriving from above "
    "(upstream) times the gate's local gradient is the gradient passed down to each input "
    "(downstream): downstream = upstream times local.",
    "circuit_local": "local gradient",
    "circuit_through": "through {}",
    "circuit_through_input": "through {}, input {}",
    "circuit_tie": "Here its inputs tie ({}): as torch does, the gradient is split, ½ to each.",
    "circuit_tie_tag": "a tie: ½ each",
    "circuit_fan_out": "{} is used in {} places, so its gradients add: {}.",
    "circuit_gradients": "Gradients of {}",
    "circuit_closed": "Closed form (inputs only)",
    "circuit_closed_long": "The closed form of {} has about {} symbols and operations and is "
    "not printed; the gates above compute it step by step.",
    "circuit_check": "Check: torch autograd ({}) and central differences on the same expression",
    "circuit_hand_title": "Circuit homework checked",
    "circuit_hand_columns": "quantity|written|correct|verdict",
    "circuit_hand_right": "right",
    "circuit_hand_carried": "carried from an earlier wrong number",
    "circuit_hand_wrong": "wrong",
    "circuit_hand_summary": "{} of {} numbers right.",
    "mistake_multiply_not_swapped": "a multiply gate's local gradient is the other input's value, "
    "not this one's",
    "mistake_fan_out_not_added": "this value is used in several places: its gradients add",
    "mistake_wrong_local_value": "the local derivative is taken at the wrong value (the gate's "
    "input and output exchanged)",
    "mistake_subtraction_sign_lost": "a subtraction's second input receives minus the upstream "
    "gradient",
    "circuit_check_node": "node",
    "circuit_diagram": "The circuit: on the wire leaving each node, its value above (green) and "
    "the gradient of {} with respect to it below (red).",
    "circuit_columns": "gate|value|gradient|feeds|(objective)",
    "circuit_differences": "central differences",
    "circuit_check_kink": "{} sits at a kink (relu at 0, a tie of max or min): central "
    "differences there average the two sides and are not compared.",
    "circuit_verdict_ok": "Every gradient agrees",
    "circuit_verdict_bad": "MISMATCH: a gradient disagrees",
    "circuit_exercise_intro": "Work the forward pass and the backward pass of this circuit by "
    "hand and write each number the table at the end asks for (gates' values, gradients of {} "
    "with respect to nodes), to {} decimals.",
    "circuit_exercise_gates": "The gates, one per operation (node = formula):",
    "circuit_exercise_given": "The inputs' values:",
    "circuit_exercise_key_intro": "Each answer to {} decimals: a student's number is right at "
    "the precision it is written to or within 1% (rounding carried from earlier steps), as "
    "symbp check-hand judges circuit homework. The whole derivation follows.",
    "circuit_selfcheck_intro": "Type your numbers into the blanks and press the button: each is "
    "judged as symbp check-hand judges circuit homework (right at the precision you wrote it "
    "to, or within 1%), a wrong gradient that follows from your own gradients above is "
    "called carried, and a classic mistake that gives your number is named. This page works "
    "offline; nothing you type leaves it.",
    "gate_add": "{} is an add gate: it distributes the upstream gradient, each input receives it "
    "unchanged (local gradient 1).",
    "gate_multiply": "{} is a multiply gate: it swaps its inputs, each input's local gradient is "
    "the other input's value.",
    "gate_subtract": "{} is a subtract gate: the first input receives the upstream gradient, the "
    "second its negative (local gradients 1 and -1).",
    "gate_negate": "{} negates: the gradient passes with its sign flipped (local gradient -1).",
    "gate_max": "{} is a max gate: it routes the upstream gradient to the larger input (local "
    "gradient 1); the other input receives 0.",
    "gate_min": "{} is a min gate: it routes the upstream gradient to the smaller input (local "
    "gradient 1); the other input receives 0.",
    "gate_abs": "{} is an absolute value: the gradient passes multiplied by the sign of the input.",
    "gate_relu": "{} is a relu gate: it passes the upstream gradient where its input is positive "
    "and blocks it (0) where it is not.",
    "gate_other": "{} is a {} gate: upstream gradient times local gradient.",
    "gate_other_an": "{} is an {} gate: upstream gradient times local gradient.",
    "sign": "Why the sign",
    "heading_colon": ": ",
    "sign_product": "{}.",
    "sign_objective": "{} is {} (",
    "sign_result_output": "So {} is {}: a small increase of {} {} the output {} (the "
    "objective is that output itself).",
    "sign_factor": "{} is {}, so {} has {} {}.",
    "same_sign": "the same sign as",
    "opposite_sign": "the opposite sign to",
    "sign_zero": "{}, so {} is 0 whatever {} is.",
    "sign_local": "{}, and {} is {} (",
    "sign_local_end": ").",
    "sign_dropped": "dropout drops the unit in this sample: {}",
    "sign_kept": "dropout keeps the unit, {}, and divides by p > 0; ",
    "sign_upstream_one": "{} is {}.",
    "sign_upstream": "{} is {}: its largest term is {}.",
    "sign_output": "{} is {} its target {}.",
    "sign_margin_class": "{} is the score of the sample's class (y is a class flag, not a value to "
    "reach): every other class j whose margin s_j − s_y + Δ is positive takes {} from it. Here "
    "{}: {} positive, so {} is {}.",
    "sign_margin_other": "{} is the score of a class other than the sample's ({} is): its margin "
    "{} is {}, so {} is {}.",
    "not_positive": "not positive",
    "above": "above",
    "below": "below",
    "sign_softmax": "{} is {} (softmax: the error of every output reaches {} through the "
    "Jacobian).",
    "sign_result": "So {} is {}: gradient descent {} {}. A hand result of the opposite sign "
    "has flipped the sign of one of these factors.",
    "sign_penalty": "With the L2 penalty in L, {}: the data loss's part (the paths through the "
    "network) plus the penalty's (the path w → R → L). The data loss's part is {}, {}.",
    "sign_penalty_samples": "With the L2 penalty in L, {}: g_data is the data loss's part (the "
    "samples' contributions through the network, reduced) and the penalty's part follows the "
    "path w → R → L. The data loss's part is {}, {}.",
    "sign_penalty_term": "The penalty's part is {}, {} (it always has the sign of the weight: "
    "the penalty pulls every weight towards 0).",
    "sign_penalty_result": "So {} is {}: the sum decides, and gradient descent {} {}.",
    "sign_samples": "With {} samples, {} is the {} of the samples' contributions, and each "
    "sample's contribution has its own sign. Why sample {}'s contribution {} has its sign:",
    "sign_sample_first": "Sample {}: {}, {}.",
    "sign_sample": "Sample {}: {}, {}.",
    "sign_result_samples": "So {} is {}: gradient descent {} {}. A hand result of the opposite "
    "sign for one sample has flipped the sign of one of that sample's factors; the samples' "
    "contributions can differ in sign, and the larger ones decide the sign of the whole.",
    "positive": "positive",
    "negative": "negative",
    "zero": "zero",
    "raises": "raises",
    "lowers": "lowers",
    "leaves": "leaves",
    "samples_reduce": "Over the samples ({}): {}",
    "value_update": "Value and update (learning rate {})",
    "fixed_bias": "This bias is fixed: gradient descent does not change it.",
    "bias_of": "{} is the bias added to {}; each such z has the derivative {} with respect to "
    "it, so the gradient is the sum of those units' δs: {}.",
    "check": "Check: torch autograd ({}) gives {} (difference {}), finite differences give {} "
    "(difference {}): {}.",
    "check_no_torch": "Check: finite differences give {} (difference {}): {}. {}",
    "agrees": "agrees",
    "disagrees": "DISAGREES",
    "note_kink": "Note: {} exactly, where the activation has a kink: {}, as torch does (the "
    "derivative is written {}; sympy's own Heaviside(0) would be ½).",
    "kink_relu": "relu′(0) is taken as 0",
    "kink_leaky": "leaky_relu′(0) is taken as the slope {}",
    "kink_elu": "elu′(0) is taken as α = {} (the z ≤ 0 side)",
    "note_symmetry": "Note: every weight starts at 0, so {}'s gradient is exactly 0 by "
    "symmetry: all units of a hidden layer compute the same value and every weight leaving "
    "{} is 0, so {}. Gradient descent then changes only the last layer, and the hidden units "
    "stay identical to each other: that is why networks start from random weights.",
    "note_dead": "Note: {} is dead on this sample: {} < 0, so relu′ = 0 and {}; no weight "
    "into {} learns from it. Its output is {} too, so the weights out of {} get zero gradient "
    "as well ({}).",
    "note_undefined": "Note: {} cannot be evaluated on its own here (0/0): an output has "
    "rounded to exactly 0 or 1 in float64. In the δ form below the output factor cancels "
    "exactly, so δ, the gradient and the loss (computed from the pre-activations, like torch's "
    "log-softmax and BCE-with-logits) stay finite.",
    "indicator": "{} is 1 where {} and 0 elsewhere (at z = 0 it is 0, as torch's relu′(0)).",
    "indicator_kronecker": "{} is 1 where {} and 0 elsewhere.",
    # handout
    "handout": "Backpropagation, step by step",
    "handout_unchecked": "Not checked against torch: made without the check.",
    "problem": "1. The problem",
    "problem_intro": "A fully connected network with layers {}, one training sample and the "
    "initial parameters below; {}",
    "problem_intro_samples": "A fully connected network with layers {}, {} training samples "
    "and the initial parameters below; {}",
    "labels_all": "every weight's name and value is on its edge.",
    "labels_some": "where a layer pair has few edges, each weight's name and value is on its "
    "edge, and the other layer pairs' weights are in the matrices after the drawing.",
    "labels_none": "the drawing shows the connections (colours tell the unit an edge leaves) "
    "and the weights are in the matrices after it.",
    "matrices": "Each matrix {} holds the weights into layer l: a row for each unit of "
    "layer l (where the weight leads), a column for each unit of the layer before it (where "
    "the weight comes from).",
    "inputs_targets": "Inputs {} and targets {}.",
    "sample": "sample",
    "inputs": "inputs",
    "targets": "targets",
    "biases": "Biases: {}.",
    "biases_fixed": "Biases (fixed): {}.",
    "activation_layer": "{}: {}, {}, {}.",
    "layer_hidden": "Hidden layer {}",
    "layer_output": "Output layer",
    "layer_every": "Every layer",
    "sample_column": "sample {}: ",
    "torch_dtype": "{} ({})",
    "loss": "Loss: {}, learning rate {}.",
    "loss_mean": " L is the mean of the squared errors of the {} outputs (torch.nn.MSELoss).",
    "loss_class": " The target is class {} (0-based, as torch counts): one-hot {} and every "
    "other y is 0, so only its term remains, {}.",
    "loss_samples": "Loss of sample n: {}; the loss of the batch is the {} {}; learning rate {}.",
    "loss_classes": " Each target is a class (0-based, as torch counts), one-hot: its y is 1 and "
    "every other y is 0, so only its term remains: {}.",
    "loss_sample_class": "sample {}, class {} ({}, {})",
    "list_separator": "; ",
    "forward": "2. Forward pass",
    "forward_intro": "Each unit sums its weighted inputs, {}, then applies its activation, {}. "
    "(Notation: Bishop's Pattern Recognition and Machine Learning swaps the letters, a for the "
    "weighted sum and z for the activation; here z is the sum and a the activation, as in "
    "Nielsen's Neural Networks and Deep Learning.)",
    "forward_sample": "The values below are sample {}'s; the table after them gives every "
    "sample's.",
    "the_loss": "The loss",
    "per_sample": "Every sample",
    "backward": "3. Backward pass",
    "backward_intro": "The chain rule, output layer first. Each {} is introduced once and "
    "reused for every weight into its unit and by the layer before it (nearer the input).",
    "paths_for": "Why δ: the paths from {} to the loss",
    "paths_counted": "Why δ: {} reaches the loss along {} paths ({}), each through one unit of "
    "every later layer; each of them starts with the steps from the weight to {}.",
    "paths_counted_jacobian": "Why δ: {} reaches the loss along {} paths (the softmax sends "
    "every output's z to every output); each of them starts with the steps from the weight to "
    "{}.",
    "deltas": "The δ of each unit",
    "bp_equations": "The backpropagation equations, from which every number below follows "
    "(f′ is the activation's derivative):",
    "bp_output": "output unit j:",
    "bp_hidden": "hidden unit j (k in the next layer):",
    "bp_bias": "the bias of unit j:",
    "bp_weight": "weight i → j:",
    "gradients": "Gradients",
    "gradients_sample": "Gradients of sample {}",
    "gradients_table": "The layer's other gradients, in the same steps:",
    "updates_table": "The other parameters, in the same steps:",
    "unit": "unit",
    "forward_table": "Each layer above works its first unit; every unit, by the same steps:",
    "every_unit": "Every unit",
    "deltas_table": "The other units' δ, by the same rule:",
    "reduction": "The {} over the samples",
    "reduction_intro": "L is the {} of the samples' losses, so each gradient is the {} of the "
    "samples' gradients:",
    "reduction_mean": "mean",
    "reduction_sum": "sum",
    "update": "4. Update step",
    "steps_intro": "The spec asks for {} updates. Each is worked in full for one parameter; "
    "the table after it gives every other parameter's, with the optimizer's state.",
    "step_heading": "Update {}",
    "step_column": "after update",
    "steps_rest": "Updates {} to {} follow the same steps; the loss after some of them "
    "(symbp train gives every round):",
    "steps_names": "From here on {} is the value of {} after update 1 (and so on), and {} its "
    "gradient at update 2, computed at those values.",
    "update_intro": "One gradient-descent step with learning rate {}: {}.",
    "new_loss": "With the new parameters the loss falls from {} to {}.",
    "loss_change_below": " The change, {}, is below the {} digits shown.",
    "below_digits": "Where a change is below the {} digits shown, the new value is written as the "
    "old one plus its change.",
    "new_loss_rises": "With the new parameters the loss goes from {} to {}.",
    "verification": "5. Verification against torch autograd",
    "verification_intro": "The same network built directly in torch {} ({}), differentiated by "
    "autograd, and central finite differences of the loss.",
    "verification_differences": "The same network built directly in torch {} ({}), "
    "differentiated by autograd, and central finite differences of the loss: the table gives "
    "how far each of symbp's gradients is from each of theirs.",
    "finite_difference_short": "finite diff.",
    "verification_no_torch": "5. Verification against finite differences",
    "verification_no_torch_intro": "Central finite differences of the loss ({}).",
    "parameter": "parameter",
    "symbolic": "symbp",
    "torch": "torch autograd",
    "finite_difference": "finite difference",
    "agrees_column": "agrees",
    "yes": "yes",
    "no": "NO",
    "all_agree": "All values agree within the tolerances.",
    "gradients_later": "The other gradients of this layer ({}, …: {} in all) and of the layers "
    "below follow the same "
    "rule; the table of section 4 gives each sample's value, their {} and the update.",
    "verification_summary": "The same network built directly in torch {} ({}), differentiated "
    "by autograd, and central finite differences of the loss: over all {} gradients symbp's "
    "differ from torch's by at most {} and from the finite differences by at most {}; the "
    "loss differs by {}. All values agree within the tolerances.",
    "some_disagree": "Some values DISAGREE: see the table.",
    # check and step tables
    "check_title": "{}: symbolic gradients against torch {} autograd",
    "check_title_fd": "{}: symbolic gradients against finite differences",
    "largest_difference": "largest diff.",
    "verdict": "",
    "ok": "ok",
    "fail": "FAIL",
    "all_agree_short": "all agree",
    "ok_kink": "ok*",
    "fd_at_kink": "* FD not applicable at a kink (z = 0 at unit {}): the central differences of {} "
    "average the two sides of the kink; symbp equals torch autograd there.",
    "agrees_kink": "agrees with torch; FD not applicable at a kink (z = 0 at unit {})",
    "mismatches": "{} mismatch(es)",
    "step_title": "{}: one gradient-descent step, learning rate {}",
    "loss_before": "loss before: {}",
    "loss_after": "loss after: {}",
    "value": "value",
    "gradient": "∂L/∂p",
    "new_value": "new value = p − η·∂L/∂p",
    # matrix form
    "matrix_title": "{}: backpropagation in matrix form",
    "matrix_intro": "Layer l's weights form the matrix {}, whose row j holds the weights into "
    "unit j of the layer and whose column i holds the weights out of unit i of the layer before "
    "(entry (j, i) is the weight on the edge i → j), and its biases the vector {}. Vectors are columns, {} "
    "multiplies entry by entry and {} transposes.",
    "matrix_intro_nobias": "Layer l's weights form the matrix {}, whose row j holds the weights into "
    "unit j of the layer and whose column i holds the weights out of unit i of the layer before "
    "(entry (j, i) is the weight on the edge i → j). Vectors are columns, {} multiplies entry "
    "by entry and {} transposes.",
    "matrix_index": "The scalar equations write {} for the weight from unit i to unit j, so "
    "that {}; in {} the same weight is entry (j, i), row j and column i, because row j of {} "
    "must give {}: the indices swap places, the edge is the same.",
    "matrix_parameters": "The parameters as matrices",
    "matrix_forward": "Forward pass",
    "matrix_forward_intro": "Layer by layer, {} and {}, starting from {}.",
    "matrix_backward": "Backward pass",
    "matrix_backward_intro": "Output layer first: {}; then for each layer below it {}; and "
    "for every layer {} and {}. Each row below is worked with this sample's numbers.",
    "matrix_backward_intro_nobias": "Output layer first: {}; then for each layer below it {}; "
    "and for every layer {}. Each row below is worked with this sample's numbers.",
    "matrix_softmax": "softmax couples the outputs, so its derivative is the Jacobian {} with "
    "{}, and {}.",
    "matrix_shared_bias": "{} is shared by the units of its layer, so {} and {}.",
    "matrix_update": "Update (learning rate {})",
    "matrix_update_intro": "One gradient-descent step, a whole matrix at a time: {}.",
    "matrix_update_intro_loss": "One gradient-descent step, a whole matrix at a time, {}, takes "
    "the loss from {} to {}:",
    "matrix_loss_after": "With the new parameters the loss goes from {} to {}.",
    "matrix_batch_intro": "There are {} samples, side by side: column n of {} is sample n's "
    "{} (and likewise for every capital letter below: column n of {} is sample n's {}, the "
    "derivative of its own loss {}). L is the {} of the samples' losses, so each gradient is "
    "the {} over the columns: {} and {}.",
    "matrix_batch_intro_nobias": "There are {} samples, side by side: column n of {} is "
    "sample n's {} (and likewise for every capital letter below: column n of {} is sample n's "
    "{}, the derivative of its own loss {}). L is the {} of the samples' losses, so each "
    "gradient is the {} over the columns: {}.",
    "matrix_batch_backward_intro": "Output layer first, {}; then for each layer below it {}.",
    "matrix_batch_output": "Column n of {} is {} of sample n.",
    "matrix_batch_softmax": "Column n of {} is sample n's {}, with the Jacobian taken at that "
    "sample's outputs.",
    "matrix_batch_cancel": "softmax couples the outputs: column n of {} is sample n's {}, with "
    "the Jacobian taken at that sample's outputs. With cross-entropy the Jacobian and the loss's "
    "derivative cancel in every column, leaving {}, so {}.",
    "matrix_batch_output_entry": "Its entry (k, n) is {} at sample n's values.",
    "matrix_batch_backward_intro_columns": "Output layer first: softmax couples the outputs, so "
    "column n of {} is sample n's {}, with the Jacobian taken at that sample's outputs; then for "
    "each layer below it {}.",
    "matrix_shapes": "Shapes (rows × columns): with {} units in layer l, {} and {} are {}, "
    "and {} are columns of {} entries (layer 0 is the input x).",
    "matrix_shapes_rows": "To save room a long column vector is printed as a transposed "
    "row: {} is still a column, {}.",
    "matrix_shapes_here": "For this network:",
    "matrix_shapes_batch": "With {} samples side by side, {} are {}, one column per sample.",
    "matrix_shapes_layer": "layer",
    "matrix_shapes_units": "units",
    "matrix_shapes_input": "0 (inputs)",
    "matrix_too_wide": "Matrices too large for a page (more than {} columns or {} rows, or "
    "too wide side by side) are not written out: those equations give the rule only (every "
    "entry is in the scalar form).",
    "matrix_check": "Check: every entry of every {} against torch autograd ({}): largest "
    "difference {}; against the scalar derivation: largest difference {}: {}.",
    "matrix_check_verdict": "Check: every entry of every {}, against torch autograd ({}) and "
    "against the scalar derivation (the next section): {}.",
    # optimizers
    "optimizer_intro": "The parameters are updated by {} ({}), with {}.",
    "optimizer_rule": "For each parameter p, with its gradient {} at the parameters of update "
    "{} (1 for the first), one update is:",
    "optimizer_first_round": "At the first update torch starts the momentum buffer as the "
    "gradient itself:",
    "optimizer_start": "Before the first update {}.",
    "optimizer_given_step": "The state before this update is the one given in optimizer_state "
    "(step {}: {}, one value per trainable parameter in parameter order), so t = {} below.",
    "optimizer_given": "The state before this update is the one given in optimizer_state ({}, "
    "one value per trainable parameter in parameter order), not torch's start.",
    "optimizer_decoupled": "AdamW decouples the weight decay: it shrinks the parameter "
    "itself before the step, and the moments never see it.",
    "optimizer_step_title": "{}: one update by {}",
    "optimizer_worked": "Every equation of update {} with each parameter's numbers "
    "(formula = numbers = value):",
    "optimizer_update_heading": "Value and update ({})",
    "new_value_short": "new value",
    "training_title": "{}: {} updates by {}, learning rate {}",
    "training_title_one": "{}: {} update by {}, learning rate {}",
    "training_title_plain": "{}: {} gradient-descent steps, learning rate {}",
    "training_title_plain_one": "{}: {} gradient-descent step, learning rate {}",
    "training_state": "The optimizer's state {} of every parameter before each update (after "
    "the previous one; row 0 is the start):",
    "training_end": "loss {} → {} (row {} is after the last update)",
    "initial_weights_train": "Initial weights: {}.",
    "step": "step",
    "loss_column": "loss",
    # ∂L/∂a of a unit (derive --wrt)
    "unit_input": "{} is an input: it reaches {} through every unit it feeds.",
    "unit_hidden": "{} is a hidden unit's value.",
    "unit_output": "{} is an output.",
    "unit_samples": "There are {} samples; a unit's value belongs to one sample, so the steps "
    "below are sample 1's own loss, and a table after them gives every sample's value.",
    "unit_is_objective": "{} is the objective itself: {}.",
    "unit_delta_form": "δ form (one term per unit it feeds)",
    "unit_delta_reason": "{} reaches the loss only through the pre-activations of the next "
    "layer, so {}: the same δs that give the weights' gradients.",
    "unit_delta_output": "The loss depends on {} directly: this is the loss's own derivative.",
    "unit_value": "Value",
    "more_samples": "{} more samples (all of them in --format json)",
    "unit_check": "Check: torch autograd gives {} (difference {}): {}.",
    "unit_check_fd": "Check: torch autograd gives {} (difference {}), finite differences give "
    "{} (difference {}): {}.",
    # loss terms and samples
    "loss_terms": "The loss is the sum of one term per output: {}.",
    "loss_terms_penalty": "The loss is the sum of one term per output and the penalty R: {}.",
    "penalty_defined": "R is the L2 penalty {} with λ = {}, over {}{}. It is part of L, so every "
    "penalised parameter's gradient gains ∂R/∂w. An optimizer's weight_decay (torch.optim's "
    "SGD or Adam) is not this: it never appears in L (neither L nor these gradients hold it), "
    "it adds its λw inside the update, and torch applies it to the biases too.",
    "penalty_weights": "the weights only (not the biases)",
    "penalty_weights_biases": "the weights and the biases",
    "penalty_per_sample": " (each of the {} samples' L carries 1/N of it: L sums them)",
    "loss_terms_samples": "Over the samples ({}), the loss is still the sum of one term per "
    "output: {}.",
    "objective_output": "Inputs {}; no targets: the objective is the output {} itself.",
    "objective_value": "The objective: {}.",
    "objective_loss": "Objective: the output {} itself (no loss function, no targets); "
    "learning rate {}.",
    "the_objective": "The objective",
    "new_objective": "With the new parameters the objective falls from {} to {}.",
    "new_objective_rises": "With the new parameters the objective goes from {} to {}.",
    "samples_rest": "Samples 2 to {} (sample 1 is worked above):",
    "samples_shown": "The table shows the first {} of the {} samples (every one of them is in "
    "symbp derive --format json).",
    "samples_rest_capped": "Samples 2 to {} of {} (sample 1 is worked above; all of them in "
    "--format json):",
    # -- exercises for a class (content/exercise.py; the self-check page's words too) --
    "exercise_student": "Student: {}",
    "exercise_intro": "Work one step of backpropagation and gradient descent ({}) by hand for "
    "the network below, and write each number the table at the end asks for, to {} decimals. "
    "Carry your rounded numbers from step to step as you would on paper: a number that is off "
    "only by the rounding you carried is right to the stated precision.",
    "exercise_answers": "Your answers",
    "exercise_quantity": "quantity",
    "exercise_answer": "answer",
    "exercise_submit": "To hand in: one row of the class's CSV file with the columns {} "
    "(or a text file of name = number lines, which symbp check-hand --spec spec.toml judges).",
    "exercise_key_title": "Answer key: {}",
    "exercise_key_answers": "Answers",
    "exercise_key_intro": "Each answer to {} decimals: a student's number is right when the "
    "true value rounds to it, and right to the stated precision when it is off only by rounding "
    "carried from their own right numbers. The whole derivation follows.",
    "selfcheck_intro": "Type your numbers into the blanks and press the button: each is judged "
    "at the precision you wrote it to, and a wrong one is traced to where the error entered. "
    "This page works offline; nothing you type leaves it.",
    "selfcheck_button": "Check my numbers",
    "selfcheck_yours": "yours",
    "selfcheck_verdict": "verdict",
    "hand_right": "right",
    "hand_precision": "right to the stated precision (rounding carried from earlier steps)",
    "hand_too_few_decimals": "too few decimals: not judged right (write the decimals asked)",
    "hand_not_judgeable": "not judgeable: its formula states no precision (see Formulas); "
    "write the number you got",
    "hand_entered": "WRONG: the error entered here (its inputs were right)",
    "hand_entered_unwritten": "WRONG: the error entered here or in {}, which you did not write",
    "hand_follows": "wrong, follows from {}",
    "hand_follows_inconsistent": "wrong, after the error at {}, and not what your own "
    "inputs give either",
    "selfcheck_blank": "not answered",
    "selfcheck_not_number": "not a number: {}",
    "circuit_hand_number_forms": "write a decimal such as -0.25 or 1.5e-3, or a fraction such as -1/3",
    "hand_mistakes": "Which mistake reproduces your numbers",
    "hand_partial": "Partly matches (each reproduces only some of your wrong numbers)",
    "hand_no_mistake": "None of symbp's catalogue of classic mistakes reproduces them all.",
    "hand_all_right": "All right.",
    "hand_summary": "{} of {} numbers wrong.",
    "hand_summary_too_few": "{} of {} numbers not right ({} with too few decimals).",
    "selfcheck_nothing": "Type at least one number.",
    "selfcheck_intro_consistency": "Type your numbers into the blanks and press the button: "
    "each is checked only against your own earlier numbers (is it what its formula gives from "
    "them?). This page does not know the answers and does not say whether a number is right. "
    "It works offline; nothing you type leaves it.",
    "selfcheck_consistent": "follows from your own numbers",
    "selfcheck_sealed": "This browser cannot open the page's sealed answers (it needs WebCrypto).",
    "selfcheck_inconsistent": "does not follow from your own numbers",
    "selfcheck_unchecked": "not checked: write {} first",
    "selfcheck_consistency_summary": "{} of {} numbers follow from your own earlier numbers.",
    "hand_title": "{}: checking {} (learning rate {})",
    "hand_quantity": "quantity",
    "hand_yours": "yours",
    "hand_true": "true value",
    "hand_verdict": "verdict",
    "hand_formula_value": "{} (formula)",
    "hand_where": "Where the error entered: {} (the first wrong numbers whose written inputs "
    "were right).",
    "hand_formulas": "Formulas",
    "hand_true_formula": "; true: ",
    "hand_formula_algebra": "equal (the same algebra)",
    "hand_formula_sampled": "equal (the same value at the network's values and random points)",
    "hand_formula_numbers": "equal at the precision of the numbers written in it (within {} of "
    "the true value)",
    "hand_formula_unjudgeable": "NOT JUDGEABLE: the rounding of the decimals written in it "
    "moves it without bound or by more than its own value, so it states no precision",
    "hand_formula_different": "DIFFERENT: at {}: yours gives {}, the true derivative {}",
    "hand_covers_all": "reproduces every wrong number ({})",
    "hand_covers_some": "reproduces {} of {} wrong numbers: {}",
    "hand_contradicted": "But it would also change numbers you had right: {}.",
    "hand_formula_matched": "Your formula for {} is exactly this variant's (equal at random "
    "points too).",
    "hand_wrong_right": "{} Wrong: {}. Right: {}.",
    "hand_formulas_summary": "{} of {} numbers wrong, {} of {} formulas different.",
    "grade_title": "{}: {} graded ({})",
    "grade_submissions": "{} submission|{} submissions",
    "grade_students_n": "{} student|{} students",
    "grade_students_have": "{} student has|{} students have",
    "grade_missing": "No submission from {} of the exercise: {}.",
    "grade_right_heading": "Right per quantity (right to the stated precision counts)",
    "grade_quantity": "quantity",
    "grade_right": "right",
    "grade_share": "share",
    "grade_mistakes": "Most common mistakes",
    "grade_mistake": "mistake",
    "grade_students": "students",
    "grade_who": "who",
    "grade_no_mistake": "No catalogue mistake reproduces any student's numbers.",
    "grade_unexplained": "{} wrong numbers that no catalogue mistake reproduces entirely: {}.",
    "grade_shared_heading": "Students sharing identical wrong numbers",
    "grade_shared": "{}'s wrong numbers are {}'s too: {} identical ({})",
    "grade_no_shared": "None (each student has their own numbers, so this is seldom chance).",
    "grade_scores": "Scores",
    "grade_id": "id",
    "grade_name": "name",
    "grade_score": "score",
    "grade_wrong": "wrong",
    "grade_too_few": "{} with too few decimals",
    "grade_blank": "blank",
    "grade_unnamed": "none of the catalogue's",
    "grade_student_title": "{}: {} right",
    "grade_not_answered": "Not answered: {}.",
}

_ZH: dict[str, str] = {
    "derivation_title": "{}：{}",
    "edge": "{} 是边 {} 上的权重：{}。",
    "used_in": "{} 在 {} 处使用（共享的层），所以它的梯度是各处使用之和，每处一项：{}。",
    "initial_weights": "初始权重：{}。",
    "samples_intro": "共有 {} 个样本。L 取各样本损失的{}，所以每个梯度也取各样本梯度的{}；"
    "下面演算样本 1，其损失为 {}（下文的 z、a、δ 都是样本 1 的值）。",
    "chain_rule": "链式法则：对从 {} 到 {} 的每条路径求和（共 {} 条）",
    "too_many_paths": "路径太多（超过 {} 条），不逐条列出：下面的 δ 形式逐层计算同一个和。",
    "local": "局部导数（符号 = 公式 = 代入数值 = 结果）",
    "products": "每条路径是其各因子之积",
    "path": "路径 {}（{}）",
    "path_sum": "各路径之和",
    "delta_form": "δ 形式（反向传播：{}，从输出层开始）",
    "delta_why": "从 {} 到损失的每条路径都经过 {}，因此都含有公共因子 {}。反向传播把它记作 {}，"
    "从输出层开始对每个神经元只算一次；于是从神经元 i 到 j 的权重的梯度是 {}。",
    "delta_why_hidden": "同理，从 {} 出发的每条路径都经过 {}，都含有公共因子 {}，记作 {}。"
    "隐藏层神经元的激活值只能通过后一层的 z 影响损失，所以 {}：后一层已算好的 δ 直接拿来用，不必重算。",
    "softmax_ce": "softmax 输出配交叉熵时，雅可比求和可以化简：{}，因为目标之和为 1（{}），"
    "所以每个输出的 δ 就是 {}。",
    "dropout_rule": "Dropout（倒置 dropout，与 torch 的 nn.Dropout 和 deeplearning.ai 相同）："
    "有 dropout 的层中每个单元 a = m·f(z)/p，掩码 m 对本样本为 1（保留，并乘以 1/p）或 0（丢弃）；"
    "保留概率 {}；本样本的掩码：{}。",
    "dropout_dropped": "本样本丢弃的单元：{}。被丢弃单元的 a 为 0，δ 也为 0（∂a/∂z = m·f′(z)/p = 0），"
    "所以没有通往损失的路径经过它，它的输入权重从本样本得不到梯度。",
    "dropout_backward": "Dropout：∂a/∂z = m·f′(z)/p，所以被丢弃单元的 δ 为 0：{}。",
    "dropout_backward_none": "Dropout：∂a/∂z = m·f′(z)/p；本样本没有单元被丢弃。",
    "sigmoid_bce": "sigmoid 输出配二元交叉熵时，σ′ = o(1 − o) 与 ∂L/∂o 的分母相消，所以 {}。",
    "closed_form": "闭式表达（只含输入、目标和权重）",
    "closed_form_where": "其中 {}。",
    "closed_form_too_long": "闭式表达有 {} 项，不予打印；上面的 δ 形式就是同一个导数的分步写法。",
    "closed_form_omitted": "闭式表达若只用输入、目标和权重写出，约有 {} 个符号和运算，因此不予构造；"
    "上面的 δ 形式就是同一个导数的分步写法。",
    # -- circuits (an expression's computational graph) --
    "circuit_title": "计算图",
    "circuit_intro": "把表达式写成由 {} 个门（每个运算一个）组成的电路，输入为 {}；目标为 {}。",
    "circuit_renamed": "再次赋值的名字是新的节点：{}。",
    "circuit_forward": "前向传播（节点 = 公式 = 代入数值 = 值）",
    "circuit_backward": "反向传播：从目标开始逐门计算",
    "circuit_backward_intro": "从 {} 开始。每个门把从上游传来的梯度乘以该门的局部梯度，"
    "得到传给每个输入的下游梯度：下游 = 上游 × 局部。",
    "circuit_local": "局部梯度",
    "circuit_through": "经由 {}",
    "circuit_through_input": "经由 {} 的第 {} 个输入",
    "circuit_tie": "这里两个输入相等（{}）：与 torch 一样，梯度平分，各得 ½。",
    "circuit_tie_tag": "相等：各得 ½",
    "circuit_fan_out": "{} 在 {} 处被使用，所以它的梯度相加：{}。",
    "circuit_gradients": "{} 的梯度",
    "circuit_closed": "闭式表达（只含输入）",
    "circuit_closed_long": "{} 的闭式表达约有 {} 个符号和运算，不予打印；上面的各个门逐步算出了它。",
    "circuit_check": "检验：对同一表达式用 torch 自动求导（{}）和中心差分",
    "circuit_hand_title": "计算图作业检查",
    "circuit_hand_columns": "量|所写|正确值|判定",
    "circuit_hand_right": "正确",
    "circuit_hand_carried": "由前面的错误数传来",
    "circuit_hand_wrong": "错误",
    "circuit_hand_summary": "{} 个数中 {} 个正确。",
    "mistake_multiply_not_swapped": "乘法门的局部梯度是另一个输入的值，而不是这个输入自己的值",
    "mistake_fan_out_not_added": "这个值在多处被使用：它的梯度要相加",
    "mistake_wrong_local_value": "局部导数在错误的值处计算（门的输入与输出弄反了）",
    "mistake_subtraction_sign_lost": "减法的第二个输入得到的是上游梯度的相反数",
    "circuit_check_node": "节点",
    "circuit_diagram": "电路图：每个节点引出的连线上方是它的值（绿色），下方是 {} 对它的梯度（红色）。",
    "circuit_columns": "门|值|梯度|输入到|（目标）",
    "circuit_differences": "中心差分",
    "circuit_check_kink": "{} 位于折点（relu 在 0 处，max 或 min 的两个输入相等）："
    "那里的中心差分取两侧的平均，不作比较。",
    "circuit_verdict_ok": "所有梯度一致",
    "circuit_verdict_bad": "不一致：有梯度不符",
    "circuit_exercise_intro": "请手算下面电路的前向传播和反向传播，把最后表格要求的每个数（门的值、{} 对节点的梯度）"
    "写到小数点后 {} 位。",
    "circuit_exercise_gates": "各个门，每个运算一个（节点 = 公式）：",
    "circuit_exercise_given": "输入的值：",
    "circuit_exercise_key_intro": "每个答案保留 {} 位小数：学生的数按其所写的精度与正确值相符，或相差在 1% 以内"
    "（前面步骤带来的舍入误差），即算正确，与 symbp check-hand 判断计算图作业的方式相同。完整推导如下。",
    "circuit_selfcheck_intro": "在空格中填入你的数并按下按钮：每个数都按 symbp check-hand 判断计算图作业的方式"
    "判定（按你所写的精度相符，或相差在 1% 以内即正确）；若一个错误的梯度是由你自己上游的梯度推出的，"
    "会标为“由前面的错误数传来”；若某个典型错误能得到你的数，会指出它。本页离线工作，你输入的内容不会离开本页。",
    "gate_add": "{} 是加法门：它把上游梯度分发给每个输入，原样不变（局部梯度为 1）。",
    "gate_multiply": "{} 是乘法门：它交换两个输入，每个输入的局部梯度是另一个输入的值。",
    "gate_subtract": "{} 是减法门：第一个输入得到上游梯度，第二个输入得到它的相反数（局部梯度为 1 和 -1）。",
    "gate_negate": "{} 取负：梯度通过时变号（局部梯度为 -1）。",
    "gate_max": "{} 是 max 门：它把上游梯度路由给较大的输入（局部梯度为 1），另一个输入得到 0。",
    "gate_min": "{} 是 min 门：它把上游梯度路由给较小的输入（局部梯度为 1），另一个输入得到 0。",
    "gate_abs": "{} 是绝对值门：梯度乘以输入的符号后通过。",
    "gate_relu": "{} 是 relu 门：输入为正时梯度原样通过，否则被截断（为 0）。",
    "gate_other": "{} 是{}门：上游梯度乘以局部梯度。",
    "gate_other_an": "{} 是{}门：上游梯度乘以局部梯度。",
    "sign": "梯度的符号从何而来",
    "heading_colon": "：",
    "sign_product": "{}。",
    "sign_objective": "{} 为{}（",
    "sign_result_output": "所以 {} 为{}：稍微增大 {} {}输出 {}（目标函数就是这个输出本身）。",
    "sign_factor": "{} 为{}，所以 {} 与 {} {}。",
    "same_sign": "同号",
    "opposite_sign": "异号",
    "sign_zero": "{}，所以 {} 为 0，与 {} 无关。",
    "sign_local": "{}，且 {} 为{}（",
    "sign_local_end": "）。",
    "sign_dropped": "dropout 在这个样本中丢弃了该单元：{}",
    "sign_kept": "dropout 保留该单元，{}，并除以 p > 0；",
    "sign_upstream_one": "{} 为{}。",
    "sign_upstream": "{} 为{}：其中绝对值最大的一项是 {}。",
    "sign_output": "{} {}其目标 {}。",
    "sign_margin_class": "{} 是该样本所属类别的得分（y 是类别标记，而不是要逼近的数值）：其余每个间隔 "
    "s_j − s_y + Δ 为正的类别 j 都从它减去 {}。这里 {}：{} 个为正，所以 {} 为{}。",
    "sign_margin_other": "{} 是非本样本类别的得分（本样本类别的得分是 {}）：其间隔 {} 为{}，所以 {} "
    "为{}。",
    "not_positive": "非正",
    "above": "高于",
    "below": "低于",
    "sign_softmax": "{} 为{}（softmax：每个输出的误差都经雅可比矩阵传到 {}）。",
    "sign_penalty": "L 中含 L2 惩罚项时，{}：数据损失部分（经过网络的各条路径）加上惩罚项部分（路径 w → R → L）。"
    "数据损失部分为 {}，{}。",
    "sign_penalty_samples": "L 中含 L2 惩罚项时，{}：g_data 是数据损失部分（各样本经过网络的贡献，按样本归约），"
    "惩罚项部分沿路径 w → R → L。数据损失部分为 {}，{}。",
    "sign_penalty_term": "惩罚项部分为 {}，{}（它总与权重同号：惩罚项把每个权重拉向 0）。",
    "sign_penalty_result": "所以 {} 为{}：由两部分之和决定，梯度下降{} {}。",
    "sign_result": "所以 {} 为{}：梯度下降{} {}。手算结果若符号相反，说明其中某个因子的符号弄反了。",
    "sign_samples": "共有 {} 个样本，{} 是各样本贡献的{}，而每个样本的贡献各有各的符号。"
    "先看样本 {} 的贡献 {} 的符号从何而来：",
    "sign_sample_first": "样本 {}：{}，为{}。",
    "sign_sample": "样本 {}：{}，为{}。",
    "sign_result_samples": "所以 {} 为{}：梯度下降{} {}。某个样本的手算结果若符号相反，说明该样本的某个因子"
    "的符号弄反了；各样本的贡献可以符号不同，由绝对值较大的贡献决定总的符号。",
    "positive": "正",
    "negative": "负",
    "zero": "零",
    "raises": "会增大",
    "lowers": "会减小",
    "leaves": "不会改变",
    "samples_reduce": "对所有样本（{}）：{}",
    "value_update": "结果与更新（学习率 {}）",
    "fixed_bias": "该偏置是固定的：梯度下降不改变它。",
    "bias_of": "{} 是加在 {} 上的偏置；这些 z 对它的导数都是 {}，所以梯度是这些神经元的 δ 之和：{}。",
    "check": "检验：torch 自动求导（{}）得 {}（差 {}），有限差分得 {}（差 {}）：{}。",
    "check_no_torch": "检验：有限差分得 {}（差 {}）：{}。{}",
    "agrees": "一致",
    "disagrees": "不一致",
    "note_kink": "注意：{}，恰好处在激活函数的折点：{}，与 torch 相同（导数写作 {}；"
    "sympy 自带的 Heaviside(0) 取 ½）。",
    "kink_relu": "relu′(0) 取 0",
    "kink_leaky": "leaky_relu′(0) 取斜率 {}",
    "kink_elu": "elu′(0) 取 α = {}（z ≤ 0 一侧）",
    "note_symmetry": "注意：所有权重初始为 0，所以 {} 的梯度由对称性恰为 0："
    "同一隐藏层的神经元算出相同的值，且离开 {} 的权重都是 0，所以 {}。梯度下降于是只改变最后一层，隐藏层神经元始终彼此相同："
    "这就是网络要从随机权重开始的原因。",
    "note_dead": "注意：{} 在这个样本上“死亡”：{} < 0，所以 relu′ = 0，{}；"
    "进入 {} 的权重都学不到东西。它的输出也是 {}，所以从 {} 出去的权重梯度同样为 0（{}）。",
    "note_undefined": "注意：{} 在这里无法单独求值（0/0）：某个输出在 float64 下恰好舍入成 0 或 1。"
    "在下面的 δ 形式中输出因子被精确约去，所以 δ、梯度和损失（像 torch 的 log-softmax 和 "
    "BCE-with-logits 那样由净输入计算）仍是有限值。",
    "indicator": "{} 在 {} 时为 1，否则为 0（z = 0 时取 0，与 torch 的 relu′(0) 相同）。",
    "indicator_kronecker": "{} 在 {} 时为 1，否则为 0。",
    "handout": "反向传播逐步推导",
    "handout_unchecked": "未与 torch 核对：生成时未做核对。",
    "problem": "一、问题",
    "problem_intro": "一个全连接网络，各层神经元数为 {}，一个训练样本，初始参数如下；{}",
    "problem_intro_samples": "一个全连接网络，各层神经元数为 {}，{} 个训练样本，初始参数如下；{}",
    "labels_all": "每条边上标出了权重的名称和数值。",
    "labels_some": "边数少的层之间，每条边上标出了权重的名称和数值；其余各层之间的权重列在图后的矩阵中。",
    "labels_none": "图中画出连接关系（颜色表示边所出发的神经元），权重列在图后的矩阵中。",
    "matrices": "矩阵 {} 是进入第 l 层的权重：每行对应第 l 层的一个神经元（权重指向的神经元），每列对应前一层的一个神经元（权重出发的神经元）。",
    "inputs_targets": "输入 {}，目标 {}。",
    "sample": "样本",
    "inputs": "输入",
    "targets": "目标",
    "biases": "偏置：{}。",
    "biases_fixed": "偏置（固定）：{}。",
    "activation_layer": "{}：{}，{}，{}。",
    "layer_hidden": "隐藏层 {}",
    "layer_output": "输出层",
    "layer_every": "各层",
    "sample_column": "样本 {}：",
    "torch_dtype": "{}（{}）",
    "loss": "损失函数：{}，学习率 {}。",
    "loss_mean": "L 是 {} 个输出的平方误差的平均值（torch.nn.MSELoss）。",
    "loss_class": "目标类别是 {}（与 torch 一样从 0 开始编号）：独热编码 {}，其余 y 都为 0，"
    "所以只剩这一项，{}。",
    "loss_samples": "样本 n 的损失：{}；整批的损失取{} {}；学习率 {}。",
    "loss_classes": "每个目标都是一个类别（与 torch 一样从 0 开始编号），独热编码：该类别的 y 为 1，其余 y "
    "都为 0，所以只剩这一项：{}。",
    "loss_sample_class": "样本 {} 为类别 {}（{}，{}）",
    "list_separator": "；",
    "forward": "二、前向传播",
    "forward_intro": "每个神经元先求加权和 {}，再经过激活函数 {}。"
    "（记号说明：Bishop 的《模式识别与机器学习》把这两个字母反过来用，a 表示加权和、z 表示激活值；"
    "本讲义与 Nielsen 的《Neural Networks and Deep Learning》一样，z 是加权和，a 是激活值。）",
    "forward_sample": "下面是样本 {} 的数值；其后的表格给出每个样本的数值。",
    "the_loss": "损失",
    "per_sample": "每个样本",
    "backward": "三、反向传播",
    "backward_intro": "按链式法则从输出层开始逐层计算。每个 {} 只算一次："
    "进入该神经元的每个权重都要用到它，靠近输入的前一层也要用到它。",
    "paths_for": "为什么要引入 δ：从 {} 到损失的路径",
    "paths_counted": "为什么要引入 δ：{} 沿 {} 条路径影响损失（{}），每条路径在其后每一层各经过一个神经元，"
    "并且都以从该权重到 {} 的那几步开头。",
    "paths_counted_jacobian": "为什么要引入 δ：{} 沿 {} 条路径影响损失（softmax 的每个输出都依赖本层的每个 z），"
    "每条路径都以从该权重到 {} 的那几步开头。",
    "deltas": "每个神经元的 δ",
    "bp_equations": "反向传播的基本方程（f′ 为激活函数的导数）：",
    "bp_output": "输出神经元 j：",
    "bp_hidden": "隐藏神经元 j（k 在下一层）：",
    "bp_bias": "神经元 j 的偏置：",
    "bp_weight": "权重 i → j：",
    "gradients": "梯度",
    "gradients_sample": "样本 {} 的梯度",
    "gradients_table": "本层其余的梯度，步骤相同：",
    "updates_table": "其余参数，步骤相同：",
    "unit": "神经元",
    "forward_table": "上面每层只演算了第一个神经元；所有神经元的结果（步骤相同）如下：",
    "every_unit": "所有神经元",
    "deltas_table": "其余神经元的 δ，规则相同：",
    "reduction": "所有样本的{}",
    "reduction_intro": "L 取各样本损失的{}，所以每个梯度取各样本梯度的{}：",
    "reduction_mean": "平均",
    "reduction_sum": "总和",
    "update": "四、参数更新",
    "steps_intro": "本题要求更新 {} 次。每次更新对一个参数完整演算，其后的表格给出其余每个参数的结果及优化器状态。",
    "step_heading": "第 {} 次更新",
    "step_column": "更新次数",
    "steps_rest": "第 {} 至 {} 次更新步骤相同；下表给出其中部分更新后的损失（symbp train 给出每一轮）：",
    "steps_names": "此后 {} 表示 {} 第 1 次更新后的值（依此类推），{} 表示第 2 次更新时在这些值处计算的梯度。",
    "update_intro": "学习率为 {} 的一步梯度下降：{}。",
    "new_loss": "更新后损失从 {} 降到 {}。",
    "loss_change_below": "变化量 {} 小于所显示的 {} 位有效数字。",
    "below_digits": "变化量小于所显示的 {} 位有效数字时，新值写成旧值加上变化量。",
    "new_loss_rises": "更新后损失从 {} 变为 {}。",
    "verification": "五、与 torch 自动求导对照",
    "verification_intro": "在 torch {} 中直接搭建同一网络（{}），用自动求导求梯度，"
    "并与损失的中心有限差分对照。",
    "verification_differences": "在 torch {} 中直接搭建同一网络（{}），用自动求导求梯度，"
    "并计算损失的中心有限差分：下表给出 symbp 的每个梯度与两者之差（绝对值）。",
    "finite_difference_short": "有限差分",
    "verification_no_torch": "五、与有限差分对照",
    "verification_no_torch_intro": "损失的中心有限差分（{}）。",
    "parameter": "参数",
    "symbolic": "symbp",
    "torch": "torch 自动求导",
    "finite_difference": "有限差分",
    "agrees_column": "是否一致",
    "yes": "一致",
    "no": "不一致",
    "all_agree": "所有数值都在容差内一致。",
    "gradients_later": "本层其余的梯度（{}，……，共 {} 个）及以下各层的梯度规则相同；第四节的表格给出每个样本的值、它们的{}以及更新。",
    "verification_summary": "在 torch {} 中直接搭建同一网络（{}），用自动求导求梯度，并计算损失的中心有限差分："
    "全部 {} 个梯度中，symbp 与 torch 之差至多为 {}，与有限差分之差至多为 {}；损失之差为 {}。"
    "所有数值都在容差内一致。",
    "some_disagree": "有数值不一致：见上表。",
    "check_title": "{}：符号梯度与 torch {} 自动求导对照",
    "check_title_fd": "{}：符号梯度与有限差分对照",
    "largest_difference": "最大差",
    "verdict": "",
    "ok": "一致",
    "fail": "不一致",
    "all_agree_short": "全部一致",
    "ok_kink": "一致*",
    "fd_at_kink": "* 有限差分在折点不适用（单元 {} 的 z = 0）：{} 的中心差分取了折点两侧的平均；"
    "此处 symbp 与 torch 自动求导一致。",
    "agrees_kink": "与 torch 一致；有限差分在折点不适用（单元 {} 的 z = 0）",
    "mismatches": "{} 处不一致",
    "step_title": "{}：一步梯度下降，学习率 {}",
    "loss_before": "更新前损失：{}",
    "loss_after": "更新后损失：{}",
    "value": "数值",
    "gradient": "∂L/∂p",
    "new_value": "新值 = p − η·∂L/∂p",
    "matrix_title": "{}：矩阵形式的反向传播",
    "matrix_intro": "第 l 层的权重组成矩阵 {}（第 j 行是进入该层神经元 j 的权重，第 i 列是从前一层"
    "神经元 i 出发的权重，即第 (j, i) 个元素是边 i → j 上的权重），偏置组成向量 {}。向量都是列向量，"
    "{} 表示逐元素相乘，{} 表示转置。",
    "matrix_intro_nobias": "第 l 层的权重组成矩阵 {}（第 j 行是进入该层神经元 j 的权重，第 i 列是从前一层"
    "神经元 i 出发的权重，即第 (j, i) 个元素是边 i → j 上的权重）。向量都是列向量，"
    "{} 表示逐元素相乘，{} 表示转置。",
    "matrix_index": "标量形式中 {} 表示从神经元 i 到神经元 j 的权重，所以 {}；在 {} 中同一个权重是第 "
    "(j, i) 个元素（第 j 行、第 i 列），因为 {} 的第 j 行要得到 {}：下标换了位置，指的仍是同一条边。",
    "matrix_parameters": "矩阵形式的参数",
    "matrix_forward": "前向传播",
    "matrix_forward_intro": "逐层计算 {} 和 {}，从 {} 开始。",
    "matrix_backward": "反向传播",
    "matrix_backward_intro": "从输出层开始：{}；其下每一层 {}；每一层都有 {} 和 {}。"
    "下面每一行都代入这个样本的数值。",
    "matrix_backward_intro_nobias": "从输出层开始：{}；其下每一层 {}；每一层都有 {}。"
    "下面每一行都代入这个样本的数值。",
    "matrix_softmax": "softmax 把各输出耦合在一起，所以它的导数是雅可比矩阵 {}，其中 {}，并且 {}。",
    "matrix_shared_bias": "{} 由该层所有神经元共用，所以 {}，{}。",
    "matrix_update": "参数更新（学习率 {}）",
    "matrix_update_intro": "一步梯度下降，整个矩阵一起更新：{}。",
    "matrix_update_intro_loss": "一步梯度下降，整个矩阵一起更新（{}），损失从 {} 变为 {}：",
    "matrix_loss_after": "更新后损失从 {} 变为 {}。",
    "matrix_batch_intro": "共有 {} 个样本，按列并排：{} 的第 n 列是样本 n 的 {}（下面的大写字母同理："
    "{} 的第 n 列是样本 n 的 {}，即它自己的损失 {} 的导数）。L 取各样本损失的{}，所以每个梯度取各列的{}："
    "{}，{}。",
    "matrix_batch_intro_nobias": "共有 {} 个样本，按列并排：{} 的第 n 列是样本 n 的 {}（下面的大写字母同理："
    "{} 的第 n 列是样本 n 的 {}，即它自己的损失 {} 的导数）。L 取各样本损失的{}，所以每个梯度取各列的{}："
    "{}。",
    "matrix_batch_backward_intro": "从输出层开始，{}；其下每一层 {}。",
    "matrix_batch_output": "{} 的第 n 列是样本 n 的 {}。",
    "matrix_batch_softmax": "{} 的第 n 列是样本 n 的 {}，雅可比矩阵取该样本的输出值。",
    "matrix_batch_cancel": "softmax 把各输出耦合在一起：{} 的第 n 列是样本 n 的 {}，雅可比矩阵取该样本的"
    "输出值。与交叉熵搭配时，雅可比矩阵与损失的导数在每一列中相消，只剩 {}，所以 {}。",
    "matrix_batch_output_entry": "它的第 (k, n) 个元素是 {}，代入样本 n 的数值。",
    "matrix_batch_backward_intro_columns": "从输出层开始：softmax 把各输出耦合在一起，所以 {} 的第 n 列"
    "是样本 n 的 {}，雅可比矩阵取该样本的输出值；其下每一层 {}。",
    "matrix_shapes": "形状（行数 × 列数）：设第 l 层有 {} 个神经元，则 {} 和 {} 都是 {}，"
    "{} 都是有 {} 个元素的列向量（第 0 层即输入 x）。",
    "matrix_shapes_rows": "为节省篇幅，较长的列向量写成转置的行：{} 仍是列向量，形状为 {}。",
    "matrix_shapes_here": "本网络的形状如下：",
    "matrix_shapes_batch": "{} 个样本按列并排时，{} 都是 {}，每个样本一列。",
    "matrix_shapes_layer": "层",
    "matrix_shapes_units": "神经元数",
    "matrix_shapes_input": "0（输入）",
    "matrix_too_wide": "一页放不下的矩阵（超过 {} 列或 {} 行，或并排过宽）不逐项写出：这些等式只给出公式"
    "（每个元素见标量形式）。",
    "matrix_check": "检验：每个 {} 的每个元素与 torch 自动求导（{}）对照：最大差 {}；"
    "与标量推导对照：最大差 {}：{}。",
    "matrix_check_verdict": "检验：每个 {} 的每个元素，与 torch 自动求导（{}）及标量推导（见下一节）对照：{}。",
    # optimizers
    "optimizer_intro": "参数由 {}（{}）更新，{}。",
    "optimizer_rule": "对每个参数 p，记其梯度为 {}（在第 {} 次更新前的参数处取值，t 从 1 开始），一次更新为：",
    "optimizer_first_round": "第一次更新时，torch 直接把动量缓冲设为梯度本身：",
    "optimizer_start": "第一次更新前 {}。",
    "optimizer_given_step": "本次更新前的状态取自 optimizer_state（step {}：{}，按参数顺序每个可训练参数一个值），"
    "所以下面 t = {}。",
    "optimizer_given": "本次更新前的状态取自 optimizer_state（{}，按参数顺序每个可训练参数一个值），"
    "而不是 torch 的初始状态。",
    "optimizer_decoupled": "AdamW 把权重衰减与梯度分开：先直接缩小参数本身，再做一步更新，矩估计不含衰减项。",
    "optimizer_step_title": "{}：{} 的一次更新",
    "optimizer_worked": "第 {} 次更新的每个方程，代入各参数的数值（公式 = 数值 = 结果）：",
    "optimizer_update_heading": "结果与更新（{}）",
    "new_value_short": "新值",
    "training_title": "{}：{} 次 {} 更新，学习率 {}",
    "training_title_one": "{}：{} 次 {} 更新，学习率 {}",
    "training_title_plain": "{}：{} 步梯度下降，学习率 {}",
    "training_title_plain_one": "{}：{} 步梯度下降，学习率 {}",
    "training_state": "每次更新前（即上一次更新后；第 0 行为初始值）各参数的优化器状态 {}：",
    "training_end": "损失 {} → {}（第 {} 行为最后一次更新之后）",
    "initial_weights_train": "初始权重：{}。",
    "step": "步",
    "loss_column": "损失",
    # ∂L/∂a of a unit (derive --wrt)
    "unit_input": "{} 是输入：它通过所连接的每个神经元影响 {}。",
    "unit_hidden": "{} 是隐藏神经元的值。",
    "unit_output": "{} 是输出。",
    "unit_samples": "共有 {} 个样本；神经元的值属于单个样本，因此下面演算样本 1 自己的损失，之后的表格给出每个样本的值。",
    "unit_is_objective": "{} 就是目标函数本身：{}。",
    "unit_delta_form": "δ 形式（它连接的每个神经元一项）",
    "unit_delta_reason": "{} 只通过下一层的加权和影响损失，所以 {}：与权重梯度所用的 δ 相同。",
    "unit_delta_output": "损失直接依赖于 {}：这就是损失函数自身的导数。",
    "unit_value": "结果",
    "more_samples": "另有 {} 个样本（--format json 给出全部）",
    "unit_check": "验证：torch 自动求导得 {}（差 {}）：{}。",
    "unit_check_fd": "验证：torch 自动求导得 {}（差 {}），有限差分得 {}（差 {}）：{}。",
    # loss terms and samples
    "loss_terms": "损失是每个输出各一项之和：{}。",
    "loss_terms_penalty": "损失是每个输出各一项与惩罚项 R 之和：{}。",
    "penalty_defined": "R 是 L2 惩罚项 {}，λ = {}，作用于{}{}。它是 L 的一部分，因此每个受惩罚参数的梯度都"
    "多出 ∂R/∂w。优化器的 weight_decay（torch.optim 的 SGD 或 Adam）与此不同：它从不出现在 L 中"
    "（L 和这些梯度都不含它），而是在更新时加上 λw，并且 torch 对偏置也施加它。",
    "penalty_weights": "权重（不含偏置）",
    "penalty_weights_biases": "权重和偏置",
    "penalty_per_sample": "（{} 个样本的 L 各含其 1/N：L 是它们之和）",
    "loss_terms_samples": "整批的损失是各样本损失的{}，它同样可以写成每个输出一项之和：{}。",
    "objective_output": "输入 {}；没有目标值：目标函数就是输出 {} 本身。",
    "objective_value": "目标函数：{}。",
    "objective_loss": "目标函数就是输出 {} 本身（没有损失函数，也没有目标值）；学习率 {}。",
    "the_objective": "目标函数",
    "new_objective": "更新后目标函数从 {} 降到 {}。",
    "new_objective_rises": "更新后目标函数从 {} 变为 {}。",
    "samples_rest": "样本 2 至 {}（样本 1 已在上面演算）：",
    "samples_shown": "表中只列出 {} 个样本（共 {} 个；symbp derive --format json 给出全部）。",
    "samples_rest_capped": "样本 2 至 {}（共 {} 个；样本 1 已在上面演算；--format json 给出全部）：",
    # -- 班级练习 --
    "exercise_student": "学生：{}",
    "exercise_intro": "请对下面的网络手算一步反向传播和梯度下降（{}），把最后表格要求的每个数写到小数点后 {} 位。"
    "像在纸上一样把舍入后的数一步步带下去：只因带下来的舍入而有偏差的数，判为在所写精度下正确。",
    "exercise_answers": "你的答案",
    "exercise_quantity": "量",
    "exercise_answer": "答案",
    "exercise_submit": "提交方式：在全班的 CSV 文件中填一行，列为 {}"
    "（也可以写成每行“名称 = 数值”的文本文件，用 symbp check-hand --spec spec.toml 检查）。",
    "exercise_key_title": "答案：{}",
    "exercise_key_answers": "答案",
    "exercise_key_intro": "每个答案保留小数点后 {} 位：学生的数若是真值舍入后的结果即为正确；"
    "若只因从自己正确的数带下来的舍入而有偏差，则判为在所写精度下正确。完整推导见下文。",
    "selfcheck_intro": "在空格中填入你的数并按下按钮：每个数按你所写的精度判断，错误的数会追溯到错误出现的地方。"
    "本页离线可用，你输入的内容不会离开本页。",
    "selfcheck_button": "检查我的答案",
    "selfcheck_yours": "你的",
    "selfcheck_verdict": "判断",
    "hand_right": "正确",
    "hand_precision": "在所写精度下正确（前面步骤带下来的舍入）",
    "hand_too_few_decimals": "小数位数不够：不算正确（请按要求的位数写）",
    "hand_not_judgeable": "无法评判：它的公式不表明任何精度（见“公式”部分）；请写出你得到的数",
    "hand_entered": "错误：错误出现在这里（它的输入是对的）",
    "hand_entered_unwritten": "错误：错误出现在这里，或在你没有写出的 {} 中",
    "hand_follows": "错误，由 {} 的错误导致",
    "hand_follows_inconsistent": "错误，在 {} 的错误之后，而且也不是由你自己的输入算出的值",
    "selfcheck_blank": "未作答",
    "selfcheck_not_number": "不是数：{}",
    "circuit_hand_number_forms": "请写小数（如 -0.25、1.5e-3）或分数（如 -1/3）",
    "hand_mistakes": "哪个错误能复现你的数",
    "hand_partial": "部分吻合（每个只能复现你的一部分错误数）",
    "hand_no_mistake": "典型错误目录中没有一个能复现全部错误数。",
    "hand_all_right": "全部正确。",
    "hand_summary": "错误 {} 个（共 {} 个数）。",
    "hand_summary_too_few": "不正确 {} 个（共 {} 个数，其中 {} 个小数位数不够）。",
    "selfcheck_nothing": "请至少填写一个数。",
    "selfcheck_intro_consistency": "在空格中填入你的数并按下按钮：每个数只与你自己前面的数核对"
    "（它是否是由这些数按公式算出的）。本页不知道答案，也不判断一个数是否正确。"
    "本页离线可用，你输入的内容不会离开本页。",
    "selfcheck_consistent": "与你自己的数一致",
    "selfcheck_sealed": "此浏览器无法打开本页密封的答案（需要 WebCrypto）。",
    "selfcheck_inconsistent": "与你自己的数不一致",
    "selfcheck_unchecked": "未检查：请先写出 {}",
    "selfcheck_consistency_summary": "有 {} 个数与你自己前面的数一致（共 {} 个）。",
    "hand_title": "{}：检查 {}（学习率 {}）",
    "hand_quantity": "量",
    "hand_yours": "你的",
    "hand_true": "真值",
    "hand_verdict": "判断",
    "hand_formula_value": "{}（公式）",
    "hand_where": "错误出现在：{}（书面输入都正确的第一批错误数）。",
    "hand_formulas": "公式",
    "hand_true_formula": "；正确的是 ",
    "hand_formula_algebra": "相等（代数上相同）",
    "hand_formula_sampled": "相等（在网络的数值和随机点上取值都相同）",
    "hand_formula_numbers": "在其中所写数的精度下相等（与真值相差不超过 {}）",
    "hand_formula_unjudgeable": "无法评判：其中所写小数的舍入会使它无界地变化或变化超过它本身的值，"
    "所以它没有给出任何精度",
    "hand_formula_different": "不同：在 {} 处，你的公式得 {}，正确的导数为 {}",
    "hand_covers_all": "复现了全部 {} 个错误数",
    "hand_covers_some": "复现了其中 {} 个（共 {} 个错误数）：{}",
    "hand_contradicted": "但它也会改变你算对的数：{}。",
    "hand_formula_matched": "你写的 {} 的公式正是这种错误的公式（在随机点上也相等）。",
    "hand_wrong_right": "{}错误写法：{}。正确写法：{}。",
    "hand_formulas_summary": "错误 {} 个（共 {} 个数），公式不同 {} 个（共 {} 个）。",
    "grade_title": "{}：已批改{}（{}）",
    "grade_submissions": " {} 份提交| {} 份提交",
    "grade_students_n": " {} 名学生| {} 名学生",
    "grade_students_have": "{} 名学生有|{} 名学生有",
    "grade_missing": "本次练习有{}没有提交：{}。",
    "grade_right_heading": "每个量的正确人数（在所写精度下正确也算正确）",
    "grade_quantity": "量",
    "grade_right": "正确",
    "grade_share": "比例",
    "grade_mistakes": "最常见的错误",
    "grade_mistake": "典型错误",
    "grade_students": "人数",
    "grade_who": "学生",
    "grade_no_mistake": "典型错误目录中没有一个能复现任何学生的数。",
    "grade_unexplained": "{}典型错误目录无法完全复现的错误数：{}。",
    "grade_shared_heading": "有相同错误数的学生",
    "grade_shared": "{} 的错误数与 {} 的相同：{} 个（{}）",
    "grade_no_shared": "没有（每个学生的数各不相同，所以相同的错误数很少是巧合）。",
    "grade_scores": "得分",
    "grade_id": "学号",
    "grade_name": "姓名",
    "grade_score": "得分",
    "grade_wrong": "错数",
    "grade_too_few": "{} 个小数位数不够",
    "grade_blank": "未答数",
    "grade_unnamed": "目录中没有",
    "grade_student_title": "{}：{} 正确",
    "grade_not_answered": "未作答：{}。",
}

_LABELS = {"en": MappingProxyType(_EN), "zh": MappingProxyType(_ZH)}


def labels(lang: str) -> Mapping[str, str]:
    """The label set of a language (en or zh)."""
    if lang not in _LABELS:
        raise SymbpError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    return _LABELS[lang]


#: the titles symbp itself gives a network, in Chinese: a spec without a title, and the
#: embedded default (the MOOC's example), whose spec symbp writes
_ZH_TITLES = {
    DEFAULT_TITLE: "symbp 网络",
    "MOOC 8.3 worked example": "MOOC《人工智能：模型与算法》8.3 节例题",
}


_RANDOM_INIT = re.compile(
    r"random: each weight from U\(−(?P<bound>[^,]+), [^)]+\), numpy default_rng\((?P<seed>\d+)\), "
    r"in numbering order"
)


def weight_init_words(described: str, lang: str) -> str:
    """How the initial weights were chosen (the spec's English description), in `lang`."""
    if lang != "zh":
        return described
    if described == "all zero":
        return "全部为 0"
    random = _RANDOM_INIT.fullmatch(described)
    if random is None:
        return described
    bound = random.group("bound")
    bound = "1/√（目标神经元的输入个数）" if bound == "1/√fan-in" else bound
    return (
        f"随机生成，每个权重独立地取自均匀分布 U(−r, r)，r = {bound}；"
        f"按编号顺序由 numpy default_rng({random.group('seed')}) 生成"
    )


def title(spec_title: str, lang: str) -> str:
    """The document's title: the spec's own, or symbp's own title in the document's language,
    also as an exercise variant's ("MOOC 8.3 worked example [s001]")."""
    if lang != "zh":
        return spec_title
    for english, chinese in _ZH_TITLES.items():
        if spec_title == english or spec_title.startswith(english + " ["):
            return chinese + spec_title[len(english) :]
    return spec_title

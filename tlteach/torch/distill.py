"""Knowledge distillation (Hinton, Vinyals & Dean, *Distilling the Knowledge in a Neural
Network*, 2015): a small *student* learns from the *soft targets* of a large *teacher*.

At temperature ``T`` both sets of logits are softened, ``p = softmax(z_teacher / T)`` and
``q = softmax(z_student / T)``, and the student minimises ``T^2 * KL(p || q)``, averaged over
the batch. The factor ``T^2`` keeps the gradients' size comparable across temperatures
(section 2 of the paper), so the loss can be mixed with the usual cross-entropy on labels.
Shapes: logits ``(N, C)``; a scalar loss.

    loss = distillation_loss(student(x), teacher_logits, temperature=4.0)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor,
                      temperature: float = 4.0) -> torch.Tensor:
    """``T^2 * KL(softmax(teacher / T) || softmax(student / T))``, the batch mean."""
    if temperature <= 0:
        raise ValueError(f"distillation_loss: temperature must be positive, got {temperature}.")
    if student_logits.shape != teacher_logits.shape:
        raise ValueError("distillation_loss: student and teacher logits must have the same "
                         f"shape (N, C), got {tuple(student_logits.shape)} and "
                         f"{tuple(teacher_logits.shape)}.")
    log_q = F.log_softmax(student_logits / temperature, dim=1)
    log_p = F.log_softmax(teacher_logits.detach() / temperature, dim=1)
    return temperature**2 * F.kl_div(log_q, log_p, log_target=True, reduction="batchmean")

"""What step and train tell of their torch.optim check on a convolutional or recurrent net."""

from __future__ import annotations

from symbp.content.blocks import Block, Paragraph, text


def fit_check_blocks(rounds: int, largest: float, passed: bool) -> tuple[Block, ...]:
    """One sentence: how many rounds were replayed by torch.optim and how near they came."""
    counted = f"{rounds} round" if rounds == 1 else f"the first {rounds} rounds"
    if passed:
        said = (
            f"Checked against torch.optim on the same network in torch: every parameter after "
            f"{counted} agrees (largest difference {largest:.1e})."
        )
        return (Paragraph(text(said)),)
    said = (
        f"torch.optim disagrees: after {counted} a parameter differs by {largest:.3g} from "
        "torch's (more than 1e-9 of its size)."
    )
    return (Paragraph(text(said), kind="note"),)

"""A convolution layer's backward pass in numpy, the right way and the classic wrong ways: the
mechanics the check-hand judge compares a student's grids with.

Shapes are torch's: an input x [C, H, W], kernels [F, C, k, k], a map [F, H_out, W_out]. A
stride s and a padding p (zeros) as nn.Conv2d; pooling windows as nn.MaxPool2d / AvgPool2d
(no padding), a max window's gradient going to its first largest input in reading order, as
torch breaks ties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symbp.core.conv_spec import POOL_KINDS

FloatArray = np.ndarray
#: the pooling kinds as the spec names them (max, avg)
MAX_POOL, AVERAGE_POOL = POOL_KINDS


@dataclass(frozen=True)
class Pooling:
    """A pooling layer after the activation: `upstream` is ∂L/∂(pooled map), [F, H_p, W_p]."""

    kind: str  # MAX_POOL or AVERAGE_POOL
    size: int
    stride: int
    upstream: FloatArray


@dataclass(frozen=True)
class ConvLayer:
    """One sample's numbers of a convolution layer, forward and backward (the true ones).

    `derivative` is the activation's derivative at z (ones without an activation); `delta_a`
    is ∂L/∂a (a = the activation's output), `delta_z` is ∂L/∂z (z = the convolution's output)."""

    x: FloatArray
    kernels: FloatArray
    bias: FloatArray
    stride: int
    padding: int
    z: FloatArray
    a: FloatArray
    derivative: FloatArray
    delta_a: FloatArray
    delta_z: FloatArray
    grad_kernels: FloatArray
    grad_bias: FloatArray
    grad_input: FloatArray
    pool: Pooling | None = None

    @property
    def filters(self) -> int:
        return int(self.kernels.shape[0])

    @property
    def channels(self) -> int:
        return int(self.kernels.shape[1])


def padded(x: FloatArray, padding: int) -> FloatArray:
    return np.pad(x, ((0, 0), (padding, padding), (padding, padding))) if padding else x


def correlate(x: FloatArray, kernels: FloatArray, stride: int, padding: int) -> FloatArray:
    """The convolution layer's output without bias: z[f,i,j] = Σ W[f,c,u,v] x[c,i·s+u,j·s+v]."""
    source = padded(x, padding)
    size = kernels.shape[-1]
    rows = (source.shape[1] - size) // stride + 1
    columns = (source.shape[2] - size) // stride + 1
    out = np.zeros((kernels.shape[0], rows, columns))
    for i in range(rows):
        for j in range(columns):
            window = source[:, i * stride : i * stride + size, j * stride : j * stride + size]
            out[:, i, j] = np.tensordot(kernels, window, axes=([1, 2, 3], [0, 1, 2]))
    return out


def kernel_gradient(
    x: FloatArray, delta: FloatArray, size: int, stride: int, padding: int
) -> FloatArray:
    """∂L/∂W = x ⋆ δ: each kernel weight's gradient summed over every position it touched."""
    source = padded(x, padding)
    grad = np.zeros((delta.shape[0], x.shape[0], size, size))
    for i in range(delta.shape[1]):
        for j in range(delta.shape[2]):
            window = source[:, i * stride : i * stride + size, j * stride : j * stride + size]
            grad += delta[:, i, j][:, None, None, None] * window[None]
    return grad


def one_position(
    x: FloatArray, delta: FloatArray, size: int, stride: int, padding: int, i: int, j: int
) -> FloatArray:
    """The kernel gradient's term of one position alone (the sum over positions forgotten)."""
    source = padded(x, padding)
    window = source[:, i * stride : i * stride + size, j * stride : j * stride + size]
    return delta[:, i, j][:, None, None, None] * window[None]


def input_gradient(
    delta: FloatArray,
    kernels: FloatArray,
    shape: tuple[int, ...],
    stride: int,
    padding: int,
    rotate: bool = True,
) -> FloatArray:
    """∂L/∂x: δ full-convolved with the kernel rotated 180° (each output cell hands δ·W back to
    the inputs its window covered). rotate=False is the classic mistake: the kernel used as it
    is in the full correlation, which lands each weight on the mirrored input."""
    size = kernels.shape[-1]
    used = kernels if rotate else kernels[:, :, ::-1, ::-1]
    grad = np.zeros((shape[0], shape[1] + 2 * padding, shape[2] + 2 * padding))
    for i in range(delta.shape[1]):
        for j in range(delta.shape[2]):
            grad[:, i * stride : i * stride + size, j * stride : j * stride + size] += np.tensordot(
                delta[:, i, j], used, axes=(0, 0)
            )
    if padding:
        grad = grad[:, padding:-padding, padding:-padding]
    return grad


def pooled(a: FloatArray, kind: str, size: int, stride: int) -> FloatArray:
    rows = (a.shape[1] - size) // stride + 1
    columns = (a.shape[2] - size) // stride + 1
    out = np.zeros((a.shape[0], rows, columns))
    for i in range(rows):
        for j in range(columns):
            window = a[:, i * stride : i * stride + size, j * stride : j * stride + size]
            flat = window.reshape(a.shape[0], -1)
            out[:, i, j] = flat.max(axis=1) if kind == MAX_POOL else flat.mean(axis=1)
    return out


def winners(a: FloatArray, size: int, stride: int) -> list[tuple[int, int, int]]:
    """(filter, row, column) of each max window's winner: its first largest input."""
    found = []
    for f in range(a.shape[0]):
        for i in range((a.shape[1] - size) // stride + 1):
            for j in range((a.shape[2] - size) // stride + 1):
                window = a[f, i * stride : i * stride + size, j * stride : j * stride + size]
                u, v = divmod(int(np.argmax(window)), size)
                found.append((f, i * stride + u, j * stride + v))
    return found


def routed(a: FloatArray, pool: Pooling, mistake: str = "") -> FloatArray:
    """∂L/∂a from the pooled map's gradient: max pooling hands each window's gradient to its
    winner alone, average pooling a 1/size² share to each input. mistake "to_all": the max
    window's gradient given to every input; "undivided": the average's share not divided."""
    grad = np.zeros(a.shape)
    size, stride = pool.size, pool.stride
    for f in range(a.shape[0]):
        for i in range(pool.upstream.shape[1]):
            for j in range(pool.upstream.shape[2]):
                rows = slice(i * stride, i * stride + size)
                columns = slice(j * stride, j * stride + size)
                upstream = pool.upstream[f, i, j]
                if pool.kind == MAX_POOL and mistake != "to_all":
                    window = a[f, rows, columns]
                    u, v = divmod(int(np.argmax(window)), size)
                    grad[f, i * stride + u, j * stride + v] += upstream
                elif pool.kind == AVERAGE_POOL and mistake != "undivided":
                    grad[f, rows, columns] += upstream / (size * size)
                else:
                    grad[f, rows, columns] += upstream
    return grad


def layer(
    x: FloatArray,
    kernels: FloatArray,
    bias: FloatArray,
    stride: int,
    padding: int,
    activation_derivative: FloatArray,
    activation_output: FloatArray,
    delta_a: FloatArray,
    pool: Pooling | None = None,
) -> ConvLayer:
    """The layer's backward numbers from its forward values and ∂L/∂a (computed here)."""
    z = correlate(x, kernels, stride, padding) + bias[:, None, None]
    delta_z = delta_a * activation_derivative
    size = kernels.shape[-1]
    return ConvLayer(
        x=x,
        kernels=kernels,
        bias=bias,
        stride=stride,
        padding=padding,
        z=z,
        a=activation_output,
        derivative=activation_derivative,
        delta_a=delta_a,
        delta_z=delta_z,
        grad_kernels=kernel_gradient(x, delta_z, size, stride, padding),
        grad_bias=delta_z.sum(axis=(1, 2)),
        grad_input=input_gradient(delta_z, kernels, x.shape, stride, padding),
        pool=pool,
    )

"""PyTorch peer of ganforge's kernel benchmarks (same names, same shapes).

  /usr/bin/python3 benchmarks/pytorch/kernels.py [--only NAME] [--list]

Work per iteration, the same conventions as ganforge's counters:
  GEMM (M, K) x (K, N): 2 M N K flops.
  Convolution: 2 N C_out H_out W_out C_in kH kW flops; its two backward passes
  do the same number; a transposed convolution counts as the convolution it
  is the adjoint of (the roles of its input and output swapped).
  Memory-bound ops count each tensor read or written once, 4 bytes per float:
  batch norm forward x, y; backward x, dy, dx; leaky_relu x, y; its backward
  x, dy, dx; Adam param, grad, m, v read and param, m, v written.
Backward passes call aten::convolution_backward / native_batch_norm_backward /
leaky_relu_backward, the kernels autograd itself runs in a training step.
"""

import harness  # noqa: F401  (selects the best configuration before torch loads)
import torch
import torch.nn.functional as F

GEN = torch.Generator().manual_seed(0)


def randn(*shape):
    return torch.randn(*shape, generator=GEN)


def gemm(n):
    def setup():
        a, b = randn(n, n), randn(n, n)
        c = torch.empty(n, n)
        return (lambda: torch.mm(a, b, out=c)), {"gflop": 2 * n**3 / 1e9}
    return setup


def conv_flops(n, c_in, c_out, h_out, w_out, k):
    return 2 * n * c_out * h_out * w_out * c_in * k * k / 1e9


def conv2d(pass_, x_shape, w_shape, stride, padding):
    """pass_ is "fwd", "bwd_data" or "bwd_weight"."""
    def setup():
        x, w = randn(*x_shape), randn(*w_shape)
        y = F.conv2d(x, w, None, stride, padding)  # (N, C_out, H_out, W_out)
        n, c_out, h_out, w_out = y.shape
        work = {"gflop": conv_flops(n, x_shape[1], c_out, h_out, w_out, w_shape[-1])}
        if pass_ == "fwd":
            return (lambda: F.conv2d(x, w, None, stride, padding)), work
        dy = randn(*y.shape)
        mask = [pass_ == "bwd_data", pass_ == "bwd_weight", False]
        return (lambda: torch.ops.aten.convolution_backward(
            dy, x, w, None, [stride] * 2, [padding] * 2, [1, 1], False, [0, 0], 1, mask)), work
    return setup


def conv_transpose2d(pass_, x_shape, w_shape, stride, padding):
    """x (N, C_in, H, W), w (C_in, C_out, kH, kW); pass_ as for conv2d."""
    def setup():
        x, w = randn(*x_shape), randn(*w_shape)
        y = F.conv_transpose2d(x, w, None, stride, padding)  # (N, C_out, H_out, W_out)
        # The adjoint convolution maps y (C_out channels) to x (C_in channels).
        work = {"gflop": conv_flops(x_shape[0], y.shape[1], x_shape[1], x_shape[2], x_shape[3], w_shape[-1])}
        if pass_ == "fwd":
            return (lambda: F.conv_transpose2d(x, w, None, stride, padding)), work
        dy = randn(*y.shape)
        mask = [pass_ == "bwd_data", pass_ == "bwd_weight", False]
        return (lambda: torch.ops.aten.convolution_backward(
            dy, x, w, None, [stride] * 2, [padding] * 2, [1, 1], True, [0, 0], 1, mask)), work
    return setup


def batchnorm(pass_, shape):
    """Training-mode batch norm over (N, C, H, W), per-channel affine."""
    def setup():
        x, dy = randn(*shape), randn(*shape)
        c = shape[1]
        weight, bias = torch.ones(c), torch.zeros(c)
        running_mean, running_var = torch.zeros(c), torch.ones(c)
        elems = x.numel()
        if pass_ == "fwd":
            return (lambda: F.batch_norm(x, running_mean, running_var, weight, bias, True, 0.1, 1e-5)), \
                {"gb": 2 * 4 * elems / 1e9}
        _, save_mean, save_invstd = torch.ops.aten.native_batch_norm(
            x, weight, bias, running_mean, running_var, True, 0.1, 1e-5)
        return (lambda: torch.ops.aten.native_batch_norm_backward(
            dy, x, weight, running_mean, running_var, save_mean, save_invstd, True, 1e-5,
            [True, True, True])), {"gb": 3 * 4 * elems / 1e9}
    return setup


def leaky_relu(pass_, shape, slope=0.2):
    def setup():
        x, dy = randn(*shape), randn(*shape)
        if pass_ == "fwd":
            return (lambda: F.leaky_relu(x, slope)), {"gb": 2 * 4 * x.numel() / 1e9}
        return (lambda: torch.ops.aten.leaky_relu_backward(dy, x, slope, False)), {"gb": 3 * 4 * x.numel() / 1e9}
    return setup


def adam(n):
    def setup():
        param = torch.nn.Parameter(randn(n))
        param.grad = randn(n)
        optimizer = torch.optim.Adam([param], lr=2e-4, betas=(0.5, 0.999))
        return optimizer.step, {"gb": 7 * 4 * n / 1e9}
    return setup


CONV2 = ((64, 64, 14, 14), (128, 64, 4, 4), 2, 1)      # DCGAN-28 D: Conv(64, 128, k4, s2, p1), 14 -> 7
CONV3_64 = ((16, 128, 16, 16), (256, 128, 4, 4), 2, 1)  # DCGAN-64 D: Conv(128, 256, k4, s2, p1), 16 -> 8
CONVT2 = ((64, 256, 7, 7), (256, 128, 4, 4), 2, 1)      # DCGAN-28 G: ConvT(256, 128, k4, s2, p1), 7 -> 14
CONVT1 = ((64, 100, 1, 1), (100, 256, 7, 7), 1, 0)      # DCGAN-28 G: ConvT(100, 256, k7, s1, p0), 1 -> 7
ACT = (64, 128, 14, 14)

BENCHMARKS = [
    *[(f"gemm/{n}", gemm(n)) for n in (256, 512, 1024, 2048)],
    ("conv2d_fwd/dcgan28_conv2", conv2d("fwd", *CONV2)),
    ("conv2d_bwd_data/dcgan28_conv2", conv2d("bwd_data", *CONV2)),
    ("conv2d_bwd_weight/dcgan28_conv2", conv2d("bwd_weight", *CONV2)),
    ("conv2d_fwd/dcgan64_conv3", conv2d("fwd", *CONV3_64)),
    ("convT_fwd/dcgan28_convT2", conv_transpose2d("fwd", *CONVT2)),
    ("convT_bwd_data/dcgan28_convT2", conv_transpose2d("bwd_data", *CONVT2)),
    ("convT_bwd_weight/dcgan28_convT2", conv_transpose2d("bwd_weight", *CONVT2)),
    ("convT_fwd/dcgan28_convT1", conv_transpose2d("fwd", *CONVT1)),
    ("batchnorm_fwd/64x128x14x14", batchnorm("fwd", ACT)),
    ("batchnorm_bwd/64x128x14x14", batchnorm("bwd", ACT)),
    ("leaky_relu/64x128x14x14", leaky_relu("fwd", ACT)),
    ("leaky_relu_bwd/64x128x14x14", leaky_relu("bwd", ACT)),
    ("adam/1781504", adam(1781504)),
]

if __name__ == "__main__":
    harness.run(BENCHMARKS, __doc__.splitlines()[0])

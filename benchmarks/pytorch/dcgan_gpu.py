"""PyTorch peer of bench_cuda (ganforge on the GPU): the same DCGAN training steps on a CUDA GPU.

  python3 benchmarks/pytorch/dcgan_gpu.py [--only NAME] [--list]

The networks are those of models.py (built to match ganforge's DCGAN-28 and
DCGAN-64 exactly: no conv biases, DCGAN initialisation), and so is the step:
D on a real batch and on the detached fakes with BCE-with-logits, Adam; then
G with the non-saturating loss through the updated D, Adam; lr 2e-4, betas
(0.5, 0.999). PyTorch runs as a user would run it on a GPU: eager mode,
torch.backends.cudnn.benchmark = True (cuDNN times its algorithms on the
first calls and keeps the fastest), and every timed call ends with
torch.cuda.synchronize(), so the time is the GPU's, not the time to queue.

ganforge computes in exact float32 unless told otherwise (gf::set_allow_tf32),
while PyTorch lets cuDNN convolutions use TF32 by default; so each benchmark
exists twice: plain names with TF32 off in both cuDNN and cuBLAS (ganforge's
default), names ending in _tf32 with TF32 on in both (bench_cuda does the same).
ganforge's step also reads six scalars per step for its statistics (losses,
D outputs, gradient norms); this step reads none.

Output: harness.py's JSON lines; the config line adds the GPU, CUDA and cuDNN.
"""

import sys

import harness
import models
import torch
from torch import nn

DEVICE = "cuda"


def gpu_config():
    if not torch.cuda.is_available():
        return {"gpu": None}
    return {
        "gpu": torch.cuda.get_device_name(0),
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
    }


def set_tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def require_gpu():
    if not torch.cuda.is_available():
        sys.exit("dcgan_gpu.py: PyTorch sees no CUDA GPU (torch.cuda.is_available() is False)")


def train_step(arch, batch, tf32):
    """models.train_step on the GPU, with TF32 set as asked."""
    gpu_setup = models.train_step(arch, batch, DEVICE)

    def setup():
        require_gpu()
        set_tf32(tf32)
        return gpu_setup()

    return setup


def sgemm(n, tf32):
    """C = A B for (n, n) float32 matrices: 2 n^3 flops."""

    def setup():
        require_gpu()
        set_tf32(tf32)
        gen = torch.Generator(device=DEVICE).manual_seed(0)
        a = torch.randn(n, n, device=DEVICE, generator=gen)
        b = torch.randn(n, n, device=DEVICE, generator=gen)

        def multiply():
            torch.mm(a, b)
            torch.cuda.synchronize()

        return multiply, {"gflop": 2 * n**3 / 1e9}

    return setup


BENCHMARKS = [
    ("cuda/dcgan64_train_step_b128", train_step(models.dcgan64, 128, tf32=False)),
    ("cuda/dcgan64_train_step_b128_tf32", train_step(models.dcgan64, 128, tf32=True)),
    ("cuda/dcgan28_train_step_b64", train_step(models.dcgan28, 64, tf32=False)),
    ("cuda/sgemm_4096", sgemm(4096, tf32=False)),
    ("cuda/sgemm_4096_tf32", sgemm(4096, tf32=True)),
]

if __name__ == "__main__":
    torch.backends.cudnn.benchmark = True
    harness.run(BENCHMARKS, __doc__.splitlines()[0], extra_config=gpu_config())

"""PyTorch peer of ganforge's whole-model benchmarks (same networks, step and batch).

  /usr/bin/python3 benchmarks/pytorch/models.py [--only NAME] [--list]

The networks are the two of the DCGAN issue, built to match ganforge's exactly:
  DCGAN-28 (1x28x28, nz 100)
    G: ConvT(100,256,k7,s1,p0)+BN+ReLU, ConvT(256,128,k4,s2,p1)+BN+ReLU, ConvT(128,1,k4,s2,p1)+Tanh
    D: Conv(1,64,k4,s2,p1)+LReLU(0.2), Conv(64,128,k4,s2,p1)+BN+LReLU(0.2), Conv(128,1,k7,s1,p0)
  DCGAN-64 (3x64x64, nz 100, ngf = ndf = 64), Radford et al.
    G: ConvT(100,512,4,1,0), ConvT(512,256,4,2,1), ConvT(256,128,4,2,1), ConvT(128,64,4,2,1)
       each +BN+ReLU, then ConvT(64,3,4,2,1)+Tanh
    D: Conv(3,64,4,2,1)+LReLU(0.2), Conv(64,128,4,2,1), Conv(128,256,4,2,1), Conv(256,512,4,2,1)
       each +BN+LReLU(0.2), then Conv(512,1,4,1,0)
No biases in the convolutions; DCGAN initialisation (conv weights N(0, 0.02),
BN weight N(1, 0.02), BN bias 0). One training step: D on a real batch and on
the detached fakes, BCE-with-logits, Adam step; then G with the non-saturating
loss through the updated D, Adam step. Adam lr 2e-4, betas (0.5, 0.999).
"""

import harness
import torch
from torch import nn

NZ = 100


def generator(layers, out_channels):
    """layers: (in, out, kernel, stride, padding) of the hidden ConvT+BN+ReLU blocks."""
    modules = []
    for c_in, c_out, k, s, p in layers:
        modules += [nn.ConvTranspose2d(c_in, c_out, k, s, p, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)]
    modules += [nn.ConvTranspose2d(layers[-1][1], out_channels, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*modules)


def discriminator(in_channels, widths, last_kernel):
    """widths: channels of the stride-2 conv blocks; the first has no batch norm."""
    modules = [nn.Conv2d(in_channels, widths[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    for c_in, c_out in zip(widths, widths[1:]):
        modules += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2, True)]
    modules += [nn.Conv2d(widths[-1], 1, last_kernel, 1, 0, bias=False)]
    return nn.Sequential(*modules)


def dcgan_init(module):
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def dcgan28():
    g = generator([(NZ, 256, 7, 1, 0), (256, 128, 4, 2, 1)], 1)
    d = discriminator(1, [64, 128], 7)
    return g, d, (1, 28, 28)


def dcgan64():
    g = generator([(NZ, 512, 4, 1, 0), (512, 256, 4, 2, 1), (256, 128, 4, 2, 1), (128, 64, 4, 2, 1)], 3)
    d = discriminator(3, [64, 128, 256, 512], 4)
    return g, d, (3, 64, 64)


def train_step(arch, batch, device="cpu"):
    """One DCGAN training step on `device`; on a GPU each step ends with a
    synchronisation, so a timed call measures the GPU's work, not its queuing."""

    def setup():
        torch.manual_seed(0)
        g, d, image_shape = arch()
        g.apply(dcgan_init)
        d.apply(dcgan_init)
        g, d = g.to(device), d.to(device)
        opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        bce = nn.BCEWithLogitsLoss()
        real = torch.rand(batch, *image_shape, device=device) * 2 - 1  # (B, C, H, W) in [-1, 1]
        ones, zeros = torch.ones(batch, device=device), torch.zeros(batch, device=device)

        def step():
            z = torch.randn(batch, NZ, 1, 1, device=device)
            fake = g(z)
            # D on real and on the detached fake.
            opt_d.zero_grad(set_to_none=True)
            loss_d = bce(d(real).view(-1), ones) + bce(d(fake.detach()).view(-1), zeros)
            loss_d.backward()
            opt_d.step()
            # G, non-saturating: make the updated D call the fakes real.
            opt_g.zero_grad(set_to_none=True)
            loss_g = bce(d(fake).view(-1), ones)
            loss_g.backward()
            opt_g.step()
            if device != "cpu":
                torch.cuda.synchronize()

        return step, {"images": batch}
    return setup


def generator_inference(arch, batch):
    def setup():
        torch.manual_seed(0)
        g, _, _ = arch()
        g.apply(dcgan_init)
        g.eval()
        z = torch.randn(batch, NZ, 1, 1)

        def infer():
            with torch.no_grad():
                return g(z)

        return infer, {"images": batch}
    return setup


BENCHMARKS = [
    ("model/dcgan28_train_step_b64", train_step(dcgan28, 64)),
    ("model/dcgan64_train_step_b16", train_step(dcgan64, 16)),
    ("model/dcgan28_G_infer_b64", generator_inference(dcgan28, 64)),
]

if __name__ == "__main__":
    harness.run(BENCHMARKS, __doc__.splitlines()[0])

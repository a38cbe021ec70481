"""PyTorch peer of ganforge's feed-forward style network benchmark (same network, same image).

  /usr/bin/python3 benchmarks/pytorch/style_net.py [--only NAME] [--list] [--count]

The network is Johnson et al.'s image transformation network (2016), built to
match gf::models::StyleNet (include/gf/models/style/style_net.hpp) layer for layer:
  ReflectionPad(4) Conv(3,32,k9)            + InstanceNorm(affine) + ReLU
  ReflectionPad(1) Conv(32,64,k3,s2)        + InstanceNorm + ReLU
  ReflectionPad(1) Conv(64,128,k3,s2)       + InstanceNorm + ReLU
  5 x residual: x + IN(Conv3x3(ReLU(IN(Conv3x3(x)))))   (reflection padding 1)
  Upsample(nearest x2) ReflectionPad(1) Conv(128,64,k3) + InstanceNorm + ReLU
  Upsample(nearest x2) ReflectionPad(1) Conv(64,32,k3)  + InstanceNorm + ReLU
  ReflectionPad(4) Conv(32,3,k9), then sigmoid: RGB in [0, 1]
Every conv has a bias. "width" is the first layer's channel count (32).
H and W need not be multiples of 4: the image is mirrored up to one and the
result cropped back, as ganforge does.
The benchmark: one 512x512 RGB image, batch 1, eval, no grad, 2 threads.
--count prints the parameter count (pasted into tests/test_style_net.cpp).
"""

import sys

import harness
import torch
from torch import nn


class StyleConv(nn.Module):
    """[nearest x2 upsample], reflection pad kernel // 2, conv, [instance norm], [ReLU]."""

    def __init__(self, c_in, c_out, kernel, stride=1, upsample=False, norm=True, relu=True):
        super().__init__()
        self.upsample, self.relu = upsample, relu
        self.pad = nn.ReflectionPad2d(kernel // 2)
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride)
        self.norm = nn.InstanceNorm2d(c_out, affine=True) if norm else None

    def forward(self, x):
        if self.upsample:
            x = nn.functional.interpolate(x, scale_factor=2, mode="nearest")
        x = self.conv(self.pad(x))
        if self.norm is not None:
            x = self.norm(x)
        return torch.relu(x) if self.relu else x


class StyleResidual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = StyleConv(channels, channels, 3)
        self.conv2 = StyleConv(channels, channels, 3, relu=False)

    def forward(self, x):
        return x + self.conv2(self.conv1(x))


class StyleNet(nn.Module):
    """Parameter names match gf::models::StyleNet ("down1.conv.weight", "res.0.conv1.norm.bias"...)."""

    def __init__(self, width=32, residual_blocks=5):
        super().__init__()
        w = width
        self.head = StyleConv(3, w, 9)
        self.down1 = StyleConv(w, 2 * w, 3, stride=2)
        self.down2 = StyleConv(2 * w, 4 * w, 3, stride=2)
        self.res = nn.Sequential(*[StyleResidual(4 * w) for _ in range(residual_blocks)])
        self.up1 = StyleConv(4 * w, 2 * w, 3, upsample=True)
        self.up2 = StyleConv(2 * w, w, 3, upsample=True)
        self.tail = StyleConv(w, 3, 9, norm=False, relu=False)

    def forward(self, x):
        # As ganforge does: mirror H and W up to multiples of 4, crop the result back.
        h, w = x.shape[2], x.shape[3]
        pad_h, pad_w = -h % 4, -w % 4
        if pad_h or pad_w:
            x = nn.functional.pad(x, (0, pad_w, 0, pad_h), mode="reflect")
        x = self.res(self.down2(self.down1(self.head(x))))
        return torch.sigmoid(self.tail(self.up2(self.up1(x))))[:, :, :h, :w]


def apply(size):
    def setup():
        torch.manual_seed(0)
        net = StyleNet().eval()
        image = torch.rand(1, 3, size, size)  # (1, 3, H, W) RGB in [0, 1]

        def infer():
            with torch.no_grad():
                return net(image)

        return infer, {"images": 1}
    return setup


BENCHMARKS = [
    ("model/style_net_apply_512", apply(512)),
]

if __name__ == "__main__":
    if "--count" in sys.argv:
        print(sum(p.numel() for p in StyleNet().parameters()))
    else:
        harness.run(BENCHMARKS, __doc__.splitlines()[0])

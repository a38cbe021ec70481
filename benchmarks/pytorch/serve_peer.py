"""PyTorch peer of ganforge's serve benchmark: what a user would run instead.

  /usr/bin/python3 benchmarks/pytorch/serve_peer.py --weights gallery/elephants.safetensors --port 8091

The same feed-forward style network (benchmarks/pytorch/style_net.py, the
weights read from our safetensors file) behind Python's ThreadingHTTPServer,
answering POST /api/v1/stylize as serve does: a multipart form with `image`,
`style` and `size`; the picture decoded and resized (PIL), the network run
(no grad, eval), the luminance SSIM to the photo (11x11 Gaussian window,
sigma 1.5, as ganforge computes it), a PNG back with X-SSIM. Each request is
its own thread, as ThreadingHTTPServer does; torch's intra-op threads come
from --threads.
"""
import argparse
import email.parser
import email.policy
import io
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from style_net import StyleNet  # noqa: E402

DTYPES = {"F32": "<f4", "F64": "<f8"}


def load_safetensors(path):
    """name -> torch tensor, for the float tensors of a safetensors file."""
    blob = open(path, "rb").read()
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.astype(np.float32))
    return tensors


def load_network(path):
    state = load_safetensors(path)
    width = state["head.conv.weight"].shape[0]
    blocks = len({k.split(".")[1] for k in state if k.startswith("res.")})
    net = StyleNet(width, blocks)
    net.load_state_dict(state)
    return net.eval()


def gaussian_window(size=11, sigma=1.5):
    x = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-x * x / (2 * sigma * sigma))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]  # (1, 1, 11, 11)


WINDOW = gaussian_window()


def luminance_ssim(x, y):
    """SSIM of the Rec. 601 luminances of (1, 3, H, W) images in [0, 1], 'valid' windows."""
    weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    a, b = (x * weights).sum(1, keepdim=True), (y * weights).sum(1, keepdim=True)
    conv = torch.nn.functional.conv2d
    mu_a, mu_b = conv(a, WINDOW), conv(b, WINDOW)
    var_a = conv(a * a, WINDOW) - mu_a ** 2
    var_b = conv(b * b, WINDOW) - mu_b ** 2
    cov = conv(a * b, WINDOW) - mu_a * mu_b
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return s.mean().item()


class Handler(BaseHTTPRequestHandler):
    net = None
    protocol_version = "HTTP/1.1"  # keep-alive, as the load generator expects

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, message):
        self.reply(status, json.dumps({"error": message}).encode(), "application/json")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/api/v1/stylize":
            return self.error(404, "no route")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + self.headers.get("Content-Type", "").encode() + b"\r\n\r\n" + body)
        if not message.is_multipart():
            return self.error(415, "multipart/form-data expected")
        fields = {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                  for part in message.iter_parts()}
        try:
            photo = Image.open(io.BytesIO(fields["image"])).convert("RGB")
            size = int(fields.get("size", b"0") or 0)
        except Exception as e:  # noqa: BLE001 - any bad upload is the client's
            return self.error(400, str(e))
        if size > 0:
            scale = size / max(photo.size)
            photo = photo.resize((max(1, round(photo.width * scale)), max(1, round(photo.height * scale))),
                                 Image.BILINEAR)
        x = torch.from_numpy(np.asarray(photo, dtype=np.float32) / 255.0).permute(2, 0, 1)[None]
        with torch.no_grad():
            y = self.net(x)
            ssim = luminance_ssim(y, x)
        out = io.BytesIO()
        Image.fromarray((y[0].permute(1, 2, 0).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)).save(out, "PNG")
        self.reply(200, out.getvalue(), "image/png", [("X-SSIM", f"{ssim:.6f}")])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    Handler.net = load_network(args.weights)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"serve_peer: listening on http://127.0.0.1:{server.server_port}/ (torch {torch.__version__}, "
          f"{args.threads} threads)", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

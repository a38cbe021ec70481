#!/usr/bin/env bash
# The main job: installs what is missing, builds, trains the small Fashion-MNIST
# classifier that FID uses (once), then trains a DCGAN-28 on Fashion-MNIST for
# three epochs and prints where the pictures, curves and checkpoint are. Each
# run trains anew, replacing the last one's runs/dcgan (--overwrite).
#   bash scripts/main.sh            (extra arguments go to dcgan_train)
source "$(dirname "$0")/common.sh"
gf_install_packages
gf_configure_and_build -DGF_BUILD_TESTS=OFF -DGF_BUILD_EXAMPLES=ON $(gf_cuda_flags)

cd "$GF_ROOT"
if [ ! -f runs/classifier/fmnist_classifier.safetensors ]; then
  echo "== training the FID feature network (fmnist_classifier, 3 epochs)"
  "$GF_BUILD/examples/fmnist_classifier" --epochs 3 --out runs/classifier/fmnist_classifier.safetensors
fi
echo "== training DCGAN-28 on Fashion-MNIST (three epochs at the defaults: batch 32, Adam lr 8e-4)"
"$GF_BUILD/examples/dcgan_train" --dataset fashion-mnist --arch dcgan28 --epochs 3 \
  --out runs/dcgan --overwrite "$@"

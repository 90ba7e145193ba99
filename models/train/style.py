"""Trains yano's style model and exports it to ONNX.

The model reads a track's style descriptor (64 values: analysis/src/style.rs) and gives the
probabilities of amapiano, private school, sgija and not amapiano. It is a small multilayer
perceptron (standardisation, 64 -> 48 -> 4, dropout), trained on the "train" lines of
DIR/style.jsonl (`cargo run --release --example style_set`) with class weights that balance the
classes, and judged on its "test" lines (other seeds, General MIDI programs and openmsx pieces
never trained on). Two baselines are judged beside it: the nearest class mean (the same
standardised descriptor) and a tempo rule after AMAPIANO.md's ranges.

    python models/train/style.py --data target/style-set/style.jsonl --out models/style --seed 1
"""

import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

STYLES = ["amapiano", "private_school", "sgija", "not_amapiano"]
FEATURES = 64


class StyleNet(nn.Module):
    def __init__(self, mean, std, hidden):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.net = nn.Sequential(
            nn.Linear(FEATURES, hidden), nn.ReLU(), nn.Dropout(0.2), nn.Linear(hidden, len(STYLES))
        )

    def logits(self, x):
        return self.net((x - self.mean) / self.std)

    def forward(self, x):
        return torch.softmax(self.logits(x), dim=-1)


def tempo_rule(d):
    """AMAPIANO.md: private school 108-112, amapiano 112-114, sgija 113-115 (ties to the
    nearest range centre); outside 104-119 BPM not amapiano."""
    bpm = d[0] * 120.0
    if bpm < 104 or bpm > 119:
        return 3
    centres = [113.0, 110.0, 114.5]
    return int(np.argmin([abs(bpm - c) for c in centres]))


def confusion(truth, found):
    m = np.zeros((len(STYLES), len(STYLES)), int)
    for t, f in zip(truth, found):
        m[t, f] += 1
    return m


def table(m):
    head = "true \\ found".ljust(16) + "".join(s[:14].rjust(16) for s in STYLES)
    rows = [head] + [STYLES[i].ljust(16) + "".join(str(v).rjust(16) for v in m[i]) for i in range(len(STYLES))]
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hidden", type=int, default=48)
    ap.add_argument("--epochs", type=int, default=1500)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    log_file = open(os.path.join(args.out, "training-log.txt"), "w")

    def log(text):
        print(text)
        log_file.write(text + "\n")
        log_file.flush()

    rows = [json.loads(l) for l in open(args.data)]
    train = [r for r in rows if r["set"] == "train"]
    test = [r for r in rows if r["set"] == "test"]
    x = np.array([r["descriptor"] for r in train], np.float32)
    y = np.array([r["label"] for r in train], np.int64)
    counts = np.bincount(y, minlength=len(STYLES))
    log(f"data {args.data}: training {len(train)} ({dict(zip(STYLES, counts.tolist()))}), test {len(test)}")
    mean, std = x.mean(0), x.std(0) + 1e-3
    model = StyleNet(mean, std, args.hidden)
    weights = torch.tensor(len(y) / (len(STYLES) * np.maximum(counts, 1)), dtype=torch.float32)
    # Label smoothing keeps the confidence honest on music unlike the training set's.
    loss_fn = nn.CrossEntropyLoss(weight=weights, label_smoothing=0.1)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(1, args.epochs + 1):
        model.train()
        # Input noise: other mixes measure a little differently.
        noisy = xt + 0.05 * torch.randn_like(xt) * torch.from_numpy(std)
        loss = loss_fn(model.logits(noisy), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if epoch % 300 == 0:
            log(f"epoch {epoch}: loss {loss.item():.3f}")
    model.eval()
    with torch.no_grad():
        train_found = model(xt).argmax(-1).numpy()
    log(f"training accuracy {np.mean(train_found == y):.3f}")

    centroids = np.stack([((x[y == c] - mean) / std).mean(0) for c in range(len(STYLES))])

    def nearest_mean(d):
        z = (np.asarray(d, np.float32) - mean) / std
        return int(np.argmin(((centroids - z) ** 2).sum(1)))

    groups = {
        "labelled set, yano's renders": [r for r in test if r["name"].startswith("labelled-")
                                         and not r["name"].startswith("labelled-gm")],
        "labelled set, General MIDI renders": [r for r in test if r["name"].startswith("labelled-gm")],
        "openmsx pieces held out": [r for r in test if r["name"].startswith("openmsx")],
    }
    summary = {}
    for title, group in [("all test", test)] + list(groups.items()):
        if not group:
            continue
        truth = [r["label"] for r in group]
        with torch.no_grad():
            found = model(torch.tensor([r["descriptor"] for r in group])).argmax(-1).numpy()
        base = [nearest_mean(r["descriptor"]) for r in group]
        rule = [tempo_rule(r["descriptor"]) for r in group]
        acc = float(np.mean(found == np.array(truth)))
        acc_base = float(np.mean(np.array(base) == np.array(truth)))
        acc_rule = float(np.mean(np.array(rule) == np.array(truth)))
        summary[title] = {"model": acc, "nearest_mean": acc_base, "tempo_rule": acc_rule, "n": len(group)}
        log(f"\n{title} ({len(group)}): model {acc:.3f}, nearest class mean {acc_base:.3f}, tempo rule {acc_rule:.3f}")
        log(table(confusion(truth, found)))
    path = os.path.join(args.out, "yano-style.onnx")
    torch.onnx.export(model, torch.zeros(1, FEATURES), path, input_names=["descriptor"],
                      output_names=["probabilities"], opset_version=17, dynamo=False)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    config = {
        "data": args.data, "seed": args.seed, "hidden": args.hidden, "epochs": args.epochs,
        "training": len(train), "test": len(test), "class_counts": counts.tolist(),
        "test_accuracy": summary, "torch": torch.__version__, "sha256": digest,
        "command": " ".join(["python"] + sys.argv),
    }
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    log(f"\nwrote {path} ({os.path.getsize(path)} bytes, sha256 {digest})")


if __name__ == "__main__":
    main()

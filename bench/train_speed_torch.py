"""PyTorch CPU twin of bitedge's FP32 BMT training step (bench/train-speed.ts runs it as a subprocess).

Same architecture as src/bmt/model.ts with FP32 variant: token + position embedding, LayerNorm, post-LN encoder
layers (MHA + ReLU FFN), tanh pooler on [CLS], classifier; Adam; same shape, batch, sequence length, threads.
Prints one JSON line: median step seconds, tokens/s, peak RSS.
"""
import json, math, resource, sys, time
import torch
import torch.nn as nn

def main():
    a = json.loads(sys.argv[1])
    torch.set_num_threads(a["threads"])
    torch.manual_seed(0)
    L, H, A, F, T, V, B = a["layers"], a["hidden"], a["heads"], a["ffn"], a["seqLen"], a["vocab"], a["batch"]

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(H, H) for _ in range(4))
            self.f1, self.f2 = nn.Linear(H, F), nn.Linear(F, H)
            self.ln1, self.ln2 = nn.LayerNorm(H, eps=1e-5), nn.LayerNorm(H, eps=1e-5)
        def forward(self, h, bias):
            d = H // A
            sh = lambda x: x.view(B, T, A, d).transpose(1, 2)  # (B, A, T, d)
            s = sh(self.q(h)) @ sh(self.k(h)).transpose(-1, -2) / math.sqrt(d) + bias
            c = (s.softmax(-1) @ sh(self.v(h))).transpose(1, 2).reshape(B, T, H)
            h = self.ln1(h + self.o(c))
            return self.ln2(h + self.f2(torch.relu(self.f1(h))))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(V, H), nn.Parameter(torch.randn(T, H) * 0.02)
            self.ln = nn.LayerNorm(H, eps=1e-5)
            self.layers = nn.ModuleList(Layer() for _ in range(L))
            self.pool, self.cls = nn.Linear(H, H), nn.Linear(H, 2)
        def forward(self, ids, mask):
            h = self.ln(self.tok(ids) + self.pos)
            bias = (1 - mask)[:, None, None, :] * -1e9
            for l in self.layers:
                h = l(h, bias)
            return self.cls(torch.tanh(self.pool(h[:, 0])))

    m = Model()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    ids = torch.randint(3, V, (B, T))
    mask = torch.ones(B, T)
    y = torch.randint(0, 2, (B,))
    times = []
    for i in range(a["warmup"] + a["steps"]):
        t0 = time.perf_counter()
        loss = nn.functional.cross_entropy(m(ids, mask), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        if i >= a["warmup"]:
            times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    print(json.dumps({"stepSeconds": med, "tokensPerSecond": B * T / med, "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "torch": torch.__version__}))

main()

"""PyTorch reference for Nib's benchmarks: the same char-LSTM (Embedding -> LSTM x N -> Linear),
the same data split (first 90% train, last 10% validation), Adam, gradient clipping 5.

Run with Debian's PyTorch: /usr/bin/python3 bench/torch_ref.py --steps 60
Prints one JSON line: chars/s over the timed steps, and validation loss if --eval.
"""
import argparse, json, math, time
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument('--data', required=True)
p.add_argument('--steps', type=int, default=60)
p.add_argument('--seconds', type=float, default=0, help='train for this long instead of --steps')
p.add_argument('--warmup', type=int, default=3)
p.add_argument('--layers', type=int, default=2)
p.add_argument('--units', type=int, default=256)
p.add_argument('--embedding', type=int, default=64)
p.add_argument('--seq-len', type=int, default=64)
p.add_argument('--batch', type=int, default=32)
p.add_argument('--lr', type=float, default=2e-3)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--eval', action='store_true')
p.add_argument('--seed', type=int, default=1)
p.add_argument('--generate', type=int, default=0, help='only time generating this many characters, one step at a time')
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)

text = open(a.data, encoding='utf-8').read()
vocab = sorted(set(text))
idx = {c: i for i, c in enumerate(vocab)}
data = torch.tensor([idx[c] for c in text], dtype=torch.long)
n = int(len(data) * 0.9)
train, val = data[:n], data[n:]

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(len(vocab), a.embedding)
        self.lstm = nn.LSTM(a.embedding, a.units, num_layers=a.layers, batch_first=True)
        self.out = nn.Linear(a.units, len(vocab))
    def forward(self, x):
        h, _ = self.lstm(self.emb(x))
        return self.out(h)

model = Model()
opt = torch.optim.Adam(model.parameters(), lr=a.lr)
lossf = nn.CrossEntropyLoss()
T, B = a.seq_len, a.batch

def batch():
    ix = torch.randint(0, len(train) - T - 1, (B,))
    x = torch.stack([train[i:i + T] for i in ix])
    y = torch.stack([train[i + 1:i + T + 1] for i in ix])
    return x, y

def evaluate(windows=256):
    model.eval()
    count = min(windows, len(val) // T)
    starts = [round(i * (len(val) - T - 1) / (count - 1)) for i in range(count)]
    total = 0.0
    with torch.no_grad():
        for k in range(0, count, B):
            s = starts[k:k + B]
            x = torch.stack([val[i:i + T] for i in s]); y = torch.stack([val[i + 1:i + T + 1] for i in s])
            total += lossf(model(x).reshape(-1, len(vocab)), y.reshape(-1)).item() * len(s)
    model.train()
    return total / count

def step():
    x, y = batch()
    opt.zero_grad()
    loss = lossf(model(x).reshape(-1, len(vocab)), y.reshape(-1))
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    return loss.item()

if a.generate:
    model.eval()
    with torch.no_grad():
        state = None
        tok = torch.tensor([[idx['\n']]])
        def gen(n):
            global state, tok
            for _ in range(n):
                h, state = model.lstm(model.emb(tok), state)
                probs = torch.softmax(model.out(h[:, -1]), -1)
                tok = torch.multinomial(probs, 1)
        gen(50)
        t0 = time.perf_counter()
        gen(a.generate)
        dt = time.perf_counter() - t0
    print(json.dumps({'engine': f'pytorch {torch.__version__} ({a.threads} threads)', 'ms_per_char': dt * 1000 / a.generate}))
    raise SystemExit(0)

for _ in range(a.warmup):
    step()
t0 = time.perf_counter()
steps = 0
loss = float('nan')
while (a.seconds > 0 and time.perf_counter() - t0 < a.seconds) or (a.seconds <= 0 and steps < a.steps):
    loss = step()
    steps += 1
dt = time.perf_counter() - t0
res = {'engine': f'pytorch {torch.__version__} ({a.threads} threads)', 'steps': steps, 'seconds': dt,
       'chars_per_s': steps * B * T / dt, 'train_loss': loss}
if a.eval:
    res['val_loss'] = evaluate()
print(json.dumps(res))

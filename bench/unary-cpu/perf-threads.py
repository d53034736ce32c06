# Server CPU per operation by thread kind (main, crypto workers, V8 platform threads, libuv) and activity (scavenge,
# compile, mark/sweep, work) from `perf record -g` of the server (run.sh with PERF=1) and the load report (--json).
#   python3 bench/unary-cpu/perf-threads.py OUT/ES256.perf.data OUT/ES256.json
import subprocess, collections, sys, json
data, jsonf = sys.argv[1], sys.argv[2]
ops = json.load(open(jsonf))["operations"]
out = subprocess.run(["perf","script","-i",data,"-F","tid,ip,sym,dso"], capture_output=True, text=True).stdout
per_tid = collections.Counter(); stacks = []
cur=None; st=[]
for line in out.splitlines():
    if not line.strip():
        if cur: stacks.append((cur," ".join(st)))
        cur=None; st=[]; continue
    if not line.startswith("\t"): cur=line.split()[0]; continue
    st.append(line.strip())
if cur: stacks.append((cur," ".join(st)))
for t,_ in stacks: per_tid[t]+=1
tids = [t for t,_ in per_tid.most_common()]
main = min(tids, key=int)
def kind(t, s):
    if t == main: k = "main"
    elif "PlatformWorkerThread" in s or "DefaultJobWorker" in s or "v8::platform" in s: k = "v8-platform"
    elif "uv__worker" in s or "worker(void" in s: k = "libuv-pool"
    elif "node::worker::Worker" in s or "piscina" in s or "crypto" in s: k = "piscina"
    else: k = "other-thread"
    a = "scavenge" if "Scaveng" in s else "compile" if ("compiler::" in s or "maglev" in s.lower() or "Compil" in s) else "mark/sweep" if ("Mark" in s or "Sweep" in s) else "work"
    return k, a
c = collections.Counter()
for t, s in stacks: c[kind(t, s)] += 1
# attribute whole threads: a thread whose samples are mostly piscina -> piscina
thread_kind = {}
for t in per_tid:
    kinds = collections.Counter(kind(tt, s)[0] for tt, s in stacks if tt == t)
    thread_kind[t] = kinds.most_common(1)[0][0]
c2 = collections.Counter()
for t, s in stacks: c2[(thread_kind[t], kind(t, s)[1])] += 1
us = lambda n: n / 997 / ops * 1e6
print(f"ops {ops}, samples {len(stacks)}, total {us(len(stacks)):.0f} us/op")
for (k, a), n in sorted(c2.items(), key=lambda x: -x[1]): print(f"  {k:12s} {a:10s} {us(n):6.1f} us/op")

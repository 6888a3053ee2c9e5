"""Collect the connection strings and error texts the tests already use, as
seeds: every string literal in the given Rust files that looks like one."""
import re, sys, hashlib, os

lit = re.compile(r'"((?:[^"\\]|\\.)*)"')
def unescape(s):
    try:
        return bytes(s, 'utf-8').decode('unicode_escape').encode('latin-1').decode('utf-8')
    except Exception:
        return None

out, pattern = sys.argv[1], re.compile(sys.argv[2])
os.makedirs(out, exist_ok=True)
seen = set()
for path in sys.argv[3:]:
    for m in lit.finditer(open(path, encoding='utf-8').read()):
        s = unescape(m.group(1))
        if not s or len(s) < 3 or len(s) > 400 or s in seen or not pattern.search(s):
            continue
        seen.add(s)
        name = hashlib.sha1(s.encode()).hexdigest()[:16]
        open(os.path.join(out, name), 'w', encoding='utf-8').write(s)
print(len(seen), 'seeds in', out)

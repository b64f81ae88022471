/**
 * The site's one stylesheet and one script, served from memory with a content hash in
 * their URL (cached for a year; a new release changes the URL). No inline script or
 * style anywhere, so the Content-Security-Policy needs no 'unsafe-inline'.
 */
import { createHash } from 'node:crypto';

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1d1d23;--muted:#5c5c6b;--line:#d9d9e3;--accent:#5b3fd6;--accent-fg:#fff;--card:#f6f6fa;--good:#1f7a3a;--bad:#b3261e;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",sans-serif;line-height:1.5}
@media (prefers-color-scheme:dark){:root{--bg:#16161c;--fg:#ececf1;--muted:#a9a9b8;--line:#34343f;--accent:#a996ff;--accent-fg:#16161c;--card:#1f1f28;--good:#7bd88f;--bad:#ff8a80}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem;z-index:9}
.top{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 1.25rem;border-bottom:1px solid var(--line)}
.brand{font-weight:700;text-decoration:none;color:var(--fg);font-size:1.15rem}
nav{display:flex;gap:1rem;flex-wrap:wrap}nav a{text-decoration:none;padding:.25rem .1rem}nav a[aria-current=page]{border-bottom:2px solid var(--accent);font-weight:600}
.account{display:flex;gap:.5rem;align-items:center}.who{color:var(--muted)}
main{max-width:60rem;margin:0 auto;padding:1.25rem}footer{color:var(--muted);text-align:center;font-size:.85rem;padding:2rem 1rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.inline{display:inline}
button,.button{font:inherit;cursor:pointer;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);border-radius:.4rem;padding:.35rem .8rem;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:transparent;color:var(--accent)}button.danger{background:var(--bad);border-color:var(--bad);color:#fff}
input,select,textarea{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:.3rem;background:var(--bg);color:var(--fg)}
label{display:block;font-weight:600;margin:.5rem 0 .2rem}.hint{color:var(--muted);font-size:.9rem;font-weight:400}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line)}th{font-size:.85rem;color:var(--muted)}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.you{background:var(--card);font-weight:600}
.avatar{width:28px;height:28px;border-radius:50%;vertical-align:middle;margin-right:.5rem;background:var(--line)}
.tabs{display:flex;gap:.5rem;margin-bottom:1rem;flex-wrap:wrap}.tabs a{padding:.3rem .8rem;border:1px solid var(--line);border-radius:1rem;text-decoration:none}.tabs a[aria-current=page]{background:var(--accent);color:var(--accent-fg);border-color:var(--accent)}
.pager{display:flex;gap:1rem;align-items:center;justify-content:center;margin:1rem 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:1rem;margin:0 0 1rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr))}
.stat{font-size:1.6rem;font-weight:700}.muted{color:var(--muted)}
.notice{border-left:4px solid var(--accent);padding:.5rem 1rem;background:var(--card);margin:0 0 1rem}.notice.bad{border-color:var(--bad)}.notice.good{border-color:var(--good)}
.bar{height:.6rem;background:var(--line);border-radius:.3rem;overflow:hidden}.bar>span{display:block;height:100%;background:var(--accent)}
svg text{fill:var(--fg);font-size:11px}
/* shop */
.reward-image{display:block;width:100%;height:auto;max-height:12rem;object-fit:cover;border-radius:.4rem;margin-bottom:.5rem;background:var(--line)}
.reward h2{margin-top:.25rem}.facts{display:grid;grid-template-columns:auto 1fr;gap:.2rem .75rem;margin:.5rem 0}.facts dt{color:var(--muted)}.facts dd{margin:0}
.afford{font-weight:600}.afford.good{color:var(--good)}.afford.bad{color:var(--bad)}
.confirm{max-width:32rem}.confirm input[type=text]{width:100%}.actions{display:flex;gap:1rem;align-items:center;flex-wrap:wrap;margin-top:1rem}
/* me */
.badges{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.5rem}.badges li{background:var(--bg);border:1px solid var(--line);border-radius:1rem;padding:.15rem .7rem}
progress{width:100%;height:.8rem;accent-color:var(--accent)}
fieldset{border:1px solid var(--line);border-radius:.5rem;padding:.5rem 1rem 1rem;margin:0 0 1rem}legend{font-weight:600;padding:0 .3rem}
.filter-row{display:flex;flex-wrap:wrap;gap:1rem}label.choice{font-weight:400;display:block}
tr.hidden-member td{color:var(--muted)}
/* admin data: campaigns, ledger explorer, analytics charts */
.visually-hidden{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.scroll{overflow-x:auto}.ledger td{font-size:.9rem}
.check{display:flex;gap:.5rem;align-items:center;margin:.75rem 0}.check label{display:inline;margin:0}
.form input:not([type=checkbox]){width:100%;max-width:32rem}.filters input,.filters select{width:100%}
.chart{margin:0}.chart svg{width:100%;height:auto;display:block}
.chart .gridline{stroke:var(--line);stroke-width:1}
.series-1{fill:var(--accent);stroke:var(--accent)}.series-2{fill:#d9822b;stroke:#d9822b}.series-3{fill:#2a9d8f;stroke:#2a9d8f}.series-4{fill:var(--bad);stroke:var(--bad)}
.chart rect.bar{stroke:none}.chart polyline.line{fill:none}
.legend{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0;margin:.5rem 0 0;font-size:.9rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:.2rem;margin-right:.35rem;vertical-align:middle}
span.swatch.series-1{background:var(--accent)}span.swatch.series-2{background:#d9822b}span.swatch.series-3{background:#2a9d8f}span.swatch.series-4{background:var(--bad)}
/* admin dashboard */
ul.admin-home{list-style:none;padding:0}.admin-home h2{margin-top:0}
.admin-form{border:1px solid var(--line);border-radius:.6rem;padding:.5rem 1rem 1rem;margin:0 0 1rem}.admin-form legend{font-weight:700;padding:0 .3rem}
.field{margin:0 0 .6rem}.field input:not([type=hidden]),.field select,.field textarea{width:100%;max-width:32rem}
code.option{font-weight:400;font-size:.8rem;color:var(--muted)}
td.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
tr.stale{background:var(--card)}.stale-flag{color:var(--bad)}
code.member-input,code.member-wallet{white-space:pre-wrap;word-break:break-all}
`;

const JS = `
document.addEventListener('submit', function (e) {
  var f = e.target;
  if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) e.preventDefault();
});
// The wallets page: the browser's wallet gives its address, the site answers with the
// message to sign, the wallet signs it, the site checks the signature. The site decides.
(function () {
  var box = document.querySelector('[data-wallets]');
  if (!box) return;
  var status = document.getElementById('wallet-status');
  var words = JSON.parse(box.getAttribute('data-words'));
  var base = box.getAttribute('data-base');
  var csrf = box.getAttribute('data-csrf');
  function say(text, bad) {
    status.className = bad ? 'notice bad' : 'notice';
    status.textContent = text;
  }
  function refused(e) {
    status.className = 'notice bad';
    // The site's own words, already escaped on the server.
    if (e && typeof e.error === 'string') status.innerHTML = e.error;
    else status.textContent = words.failed;
  }
  function post(path, fields) {
    var body = new URLSearchParams(fields);
    body.set('_csrf', csrf);
    return fetch(base + path, { method: 'POST', body: body, credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) {
        return r.json().then(function (j) { if (!r.ok) throw j; return j; }, function () { throw { plain: words.reload }; });
      });
  }
  function hex(text) {
    var bytes = new TextEncoder().encode(text), out = '0x';
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  }
  function base64(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function evm() {
    var eth = window.ethereum;
    if (!eth || typeof eth.request !== 'function') return Promise.reject({ plain: words.noEvm });
    var address;
    return eth.request({ method: 'eth_requestAccounts' })
      .then(function (accounts) {
        address = accounts[0];
        return post('/challenge', { chain: 'evm', address: address });
      })
      .then(function (c) {
        say(words.signing);
        return eth.request({ method: 'personal_sign', params: [hex(c.message), address] }).then(function (signature) {
          return post('/link', { chain: 'evm', message: c.message, signature: signature });
        });
      });
  }
  function solana() {
    var sol = (window.phantom && window.phantom.solana) || window.solana;
    if (!sol || typeof sol.connect !== 'function' || typeof sol.signMessage !== 'function')
      return Promise.reject({ plain: words.noSolana });
    return sol.connect()
      .then(function (r) {
        var key = (r && r.publicKey) || sol.publicKey;
        return post('/challenge', { chain: 'solana', address: String(key) });
      })
      .then(function (c) {
        say(words.signing);
        return sol.signMessage(new TextEncoder().encode(c.message), 'utf8').then(function (signed) {
          var signature = signed && signed.signature ? signed.signature : signed;
          return post('/link', { chain: 'solana', message: c.message, signature: base64(signature) });
        });
      });
  }
  box.addEventListener('click', function (e) {
    var button = e.target instanceof Element ? e.target.closest('button[data-chain]') : null;
    if (!button) return;
    var buttons = box.querySelectorAll('button[data-chain]');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    status.textContent = '';
    (button.getAttribute('data-chain') === 'evm' ? evm() : solana())
      .then(function (done) { window.location.assign(done.next); })
      .catch(function (err) {
        if (err && err.plain) say(err.plain, true);
        else refused(err);
        for (var i = 0; i < buttons.length; i++) buttons[i].disabled = false;
      });
  });
})();
`;

function hashed(body: string, ext: string): { path: string; body: string } {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/static/sparks.${hash}.${ext}`, body };
}

export const STYLESHEET = hashed(CSS.trim(), 'css');
export const SCRIPT = hashed(JS.trim(), 'js');
export const STYLESHEET_PATH = STYLESHEET.path;
export const SCRIPT_PATH = SCRIPT.path;

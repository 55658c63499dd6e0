/* otwatch web console (docs/web.md): a small single-page application over
 * the JSON API under /api/. Every value from the API is put in the page as
 * text (textContent / attributes), never parsed as HTML. */
'use strict';
(function () {
  const I18N = window.OTW_I18N;
  let session = null; /* {user, role, lang, csrf} */
  let lang = (navigator.language || 'en').startsWith('ja') ? 'ja' : 'en';
  const main = document.getElementById('main');

  function t(key, ...args) {
    let s = (I18N[lang] && I18N[lang][key]) || I18N.en[key] || key;
    args.forEach((a, i) => { s = s.replace('{' + i + '}', String(a)); });
    return s;
  }

  /* h('tag', {attr: v, onclick: fn, class: 'x'}, child, 'text', ...) */
  function h(tag, attrs, ...kids) {
    const svg = ['svg', 'g', 'path', 'circle', 'rect', 'text', 'title'].includes(tag);
    const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag)
                   : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of kids.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function show(...nodes) { clear(main); nodes.forEach(n => main.appendChild(n)); }
  function ts(s) { return s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-'; }

  async function api(path, opts) {
    const o = { credentials: 'same-origin', headers: {} };
    if (opts && opts.body !== undefined) {
      o.method = 'POST';
      o.headers['Content-Type'] = 'application/json';
      if (session) o.headers['X-CSRF-Token'] = session.csrf;
      o.body = JSON.stringify(opts.body);
    }
    const r = await fetch(path, o);
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (r.status === 401 && session && path !== '/api/login') {
      session = null;
      boot();
    }
    return { status: r.status, data: data || {} };
  }

  function errorBox(res) {
    return h('p', { class: 'error', text: t('error', (res.data && res.data.error) || res.status) });
  }

  /* ---- header ---- */

  function applyHeader() {
    document.documentElement.lang = lang;
    const top = document.getElementById('top');
    top.hidden = !session;
    document.querySelectorAll('[data-i18n]').forEach(el => { el.textContent = t(el.dataset.i18n); });
    document.getElementById('lang').textContent = t('lang.other');
    document.getElementById('who').textContent =
      session ? session.user + ' (' + session.role + ')' : '';
    const route = (location.hash || '#/assets').split('/')[1];
    document.querySelectorAll('#nav a').forEach(a => {
      a.classList.toggle('active', a.getAttribute('href') === '#/' + route);
    });
  }

  document.getElementById('lang').addEventListener('click', async () => {
    const next = lang === 'ja' ? 'en' : 'ja';
    const r = await api('/api/lang', { body: { lang: next } });
    if (r.status === 200) { session = r.data; lang = session.lang; }
    route();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await api('/api/logout', { body: {} });
    session = null;
    boot();
  });

  /* ---- login and first-start setup ---- */

  function field(id, label, type, extra) {
    return [h('label', { for: id, text: label }),
            h('input', Object.assign({ id, name: id, type: type || 'text' }, extra || {}))];
  }

  function loginPage(msg) {
    applyHeader();
    const err = h('p', { class: 'error', id: 'login-error' });
    const form = h('form', { class: 'card login', id: 'login-form' },
      h('h1', { text: t('login.title') }),
      field('user', t('login.user'), 'text', { autocomplete: 'username', required: true }),
      field('password', t('login.password'), 'password',
            { autocomplete: 'current-password', required: true }),
      h('button', { class: 'primary', type: 'submit', id: 'login-submit', text: t('login.submit') }),
      msg ? h('p', { class: 'muted', text: msg }) : null, err);
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const r = await api('/api/login', { body: {
        user: form.querySelector('#user').value, password: form.querySelector('#password').value } });
      if (r.status === 200) {
        session = r.data;
        lang = session.lang;
        if (!location.hash) location.hash = '#/assets';
        route();
      } else {
        err.textContent = r.status === 429 ? t('login.throttled') : t('login.failed');
      }
    });
    show(form);
  }

  function setupPage() {
    applyHeader();
    const err = h('p', { class: 'error' });
    const form = h('form', { class: 'card login', id: 'setup-form' },
      h('h1', { text: t('setup.title') }), h('p', { class: 'muted', text: t('setup.hint') }),
      field('token', t('setup.token'), 'text', { autocomplete: 'off', required: true }),
      field('user', t('login.user'), 'text', { autocomplete: 'username', required: true }),
      field('password', t('login.password'), 'password',
            { autocomplete: 'new-password', required: true, minlength: 10 }),
      h('button', { class: 'primary', type: 'submit', text: t('setup.submit') }), err);
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const r = await api('/api/setup', { body: {
        token: form.querySelector('#token').value.trim(), user: form.querySelector('#user').value,
        password: form.querySelector('#password').value, lang } });
      if (r.status === 200) loginPage(t('setup.done'));
      else err.textContent = t('error', r.data.error || r.status);
    });
    show(form);
  }

  /* ---- assets ---- */

  const assetFilter = { q: '', zone: '', role: '', vendor: '', protocol: '' };

  function select(id, anyLabel, values, current, onchange) {
    return h('select', { id, onchange },
      h('option', { value: '', text: anyLabel }),
      values.map(v => h('option', { value: v, selected: v === current, text: v })));
  }

  function protoText(a) {
    const p = a.protocols || {};
    return [...new Set([...(p.server || []), ...(p.client || [])])].join(', ');
  }

  async function assetsPage() {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(assetFilter)) if (v) qs.set(k, v);
    const r = await api('/api/assets?' + qs.toString());
    if (r.status !== 200) return show(errorBox(r));
    const d = r.data, f = d.facets;
    const set = k => ev => { assetFilter[k] = ev.target.value; assetsPage(); };
    let timer = null;
    const search = h('input', { id: 'asset-q', type: 'search', value: assetFilter.q,
                                placeholder: t('assets.search'), size: 32 });
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => { assetFilter.q = search.value; assetsPage(); }, 300);
    });
    const rows = d.assets.map(a => h('tr', { class: 'click', 'data-id': a.id,
                                             onclick: () => { location.hash = '#/assets/' + a.id; } },
      h('td', { text: a.label }), h('td', { text: (a.ips || []).join(' ') }),
      h('td', { text: a.mac || '-' }),
      h('td', { text: (a.identity && a.identity.vendor) || a.vendor || '-' }),
      h('td', { text: a.role }), h('td', { text: a.zone }), h('td', { text: protoText(a) }),
      h('td', { text: ts(a.last_seen) }), h('td', { text: a.packets })));
    show(h('h1', { text: t('assets.title') }),
      h('div', { class: 'filters' }, search,
        select('f-zone', t('any.zone'), f.zones, assetFilter.zone, set('zone')),
        select('f-role', t('any.role'), f.roles, assetFilter.role, set('role')),
        select('f-vendor', t('any.vendor'), f.vendors, assetFilter.vendor, set('vendor')),
        select('f-protocol', t('any.protocol'), f.protocols, assetFilter.protocol, set('protocol')),
        h('span', { class: 'muted', id: 'asset-count', text: t('assets.shown', d.shown, d.total) })),
      h('table', { id: 'assets' },
        h('thead', {}, h('tr', {}, ['col.name', 'col.ips', 'col.mac', 'col.vendor', 'col.role',
          'col.zone', 'col.protocols', 'col.last', 'col.packets'].map(k => h('th', { text: t(k) })))),
        h('tbody', {}, rows)));
    if (document.activeElement !== search && assetFilter.q) {
      search.focus();
      search.setSelectionRange(search.value.length, search.value.length);
    }
  }

  function kv(pairs) {
    return h('dl', { class: 'kv' }, pairs.filter(p => p[1] !== null && p[1] !== undefined && p[1] !== '')
      .map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]));
  }

  function endpoint(e) {
    if (!e) return '-';
    const a = e.ip || e.mac || '-';
    return e.port ? a + ':' + e.port : a;
  }

  async function assetPage(id) {
    const r = await api('/api/assets/' + encodeURIComponent(id));
    if (r.status !== 200) return show(errorBox(r));
    const a = r.data.asset, idn = a.identity;
    show(h('p', {}, h('a', { href: '#/assets', text: t('asset.back') })),
      h('h1', { text: t('asset.title') + ': ' + a.label }),
      h('div', { class: 'card' }, kv([
        [t('col.ips'), (a.ips || []).join(' ')], [t('col.mac'), a.mac], [t('col.vlan'), a.vlan ?? '-'],
        [t('col.vendor'), a.vendor],
        [t('col.role'), a.role], [t('col.zone'), a.zone], [t('col.protocols'), protoText(a)],
        [t('col.first'), ts(a.first_seen)], [t('col.last'), ts(a.last_seen)],
        [t('col.packets'), a.packets], [t('col.bytes'), a.bytes]])),
      h('h2', { text: t('asset.identity') }),
      idn ? h('div', { class: 'card' }, kv(Object.entries(idn).filter(([, v]) => v !== null)))
          : h('p', { class: 'muted', text: t('asset.noid') }),
      h('h2', { text: t('asset.evidence') }),
      (a.role_evidence || []).length ? h('ul', {}, a.role_evidence.map(e => h('li', { text: e })))
                                     : h('p', { class: 'muted', text: t('asset.none') }),
      h('h2', { text: t('asset.comms') }),
      h('table', { id: 'asset-comms' }, h('thead', {}, h('tr', {}, ['col.client', 'col.server',
        'col.protocol', 'col.port', 'col.flows', 'col.packets', 'col.last'].map(k => h('th', { text: t(k) })))),
        h('tbody', {}, r.data.comms.map(c => h('tr', {},
          h('td', {}, c.client_asset ? h('a', { href: '#/assets/' + c.client_asset, text: c.client }) : c.client),
          h('td', {}, c.server_asset ? h('a', { href: '#/assets/' + c.server_asset, text: c.server }) : c.server),
          h('td', { text: c.protocol }), h('td', { text: c.transport + '/' + c.server_port }),
          h('td', { text: c.flows }), h('td', { text: c.packets }), h('td', { text: ts(c.last_seen) }))))),
      h('h2', { text: t('asset.alerts') }),
      alertTable(r.data.alerts, () => assetPage(id)));
  }

  /* ---- alerts ---- */

  const alertFilter = { severity: '', type: '', state: 'all', q: '' };

  function alertTable(alerts, reload) {
    const admin = session && session.role === 'admin';
    if (!alerts.length) return h('p', { class: 'muted', text: t('asset.none') });
    return h('table', { id: 'alerts' },
      h('thead', {}, h('tr', {}, ['col.id', 'col.last', 'col.severity', 'col.type', 'col.message',
        'col.src', 'col.dst', 'col.count', 'col.state'].map(k => h('th', { text: t(k) })))),
      h('tbody', {}, alerts.map(a => {
        const stateCell = h('td', { class: 'state' });
        if (a.acknowledged_by) stateCell.appendChild(h('div', { class: 'acked', text: t('alerts.acked', a.acknowledged_by) }));
        if (a.accepted !== 'no') stateCell.appendChild(h('div', { class: 'accepted', text: t('alerts.accepted.' + a.accepted) }));
        if (admin) {
          if (!a.acknowledged_by) {
            stateCell.appendChild(h('button', { class: 'small ack', type: 'button', text: t('alerts.ack'),
              onclick: async () => { const r = await api('/api/alerts/' + a.id + '/ack', { body: {} });
                if (r.status === 200) reload(); else stateCell.appendChild(errorBox(r)); } }));
          }
          if (a.accepted === 'no') {
            const btn = h('button', { class: 'small accept', type: 'button', text: t('alerts.accept') });
            btn.addEventListener('click', () => {
              btn.disabled = true;
              const reason = h('input', { class: 'reason-text', type: 'text', maxlength: 500,
                                          placeholder: t('alerts.reason') });
              const form = h('form', { class: 'reason' }, reason,
                h('button', { class: 'small confirm', type: 'submit', text: t('alerts.confirm') }),
                h('button', { class: 'small', type: 'button', text: t('alerts.cancel'),
                              onclick: () => { form.remove(); btn.disabled = false; } }));
              form.addEventListener('submit', async ev => {
                ev.preventDefault();
                if (!reason.value.trim()) { reason.focus(); return; }
                const r = await api('/api/alerts/' + a.id + '/accept', { body: { reason: reason.value.trim() } });
                if (r.status === 200) reload(); else form.appendChild(errorBox(r));
              });
              stateCell.appendChild(form);
              reason.focus();
            });
            stateCell.appendChild(btn);
          }
        }
        return h('tr', { 'data-id': a.id },
          h('td', { text: a.id }), h('td', { text: ts(a.last_seen) }),
          h('td', { class: 'sev sev-' + a.severity, text: a.severity }), h('td', { text: a.type }),
          h('td', { class: 'msg', text: a.message }),
          h('td', {}, a.src_asset ? h('a', { href: '#/assets/' + a.src_asset, text: endpoint(a.src) }) : endpoint(a.src)),
          h('td', {}, a.dst_asset ? h('a', { href: '#/assets/' + a.dst_asset, text: endpoint(a.dst) }) : endpoint(a.dst)),
          h('td', { text: a.count }), stateCell);
      })));
  }

  async function alertsPage() {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(alertFilter)) if (v) qs.set(k, v);
    const r = await api('/api/alerts?' + qs.toString());
    if (r.status !== 200) return show(errorBox(r));
    const set = k => ev => { alertFilter[k] = ev.target.value; alertsPage(); };
    let timer = null;
    const search = h('input', { id: 'alert-q', type: 'search', value: alertFilter.q,
                                placeholder: t('alerts.search'), size: 28 });
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => { alertFilter.q = search.value; alertsPage(); }, 300);
    });
    show(h('h1', { text: t('alerts.title') }),
      h('div', { class: 'filters' }, search,
        select('f-severity', t('any.severity'), ['low', 'medium', 'high', 'critical'],
               alertFilter.severity, set('severity')),
        select('f-type', t('any.type'), r.data.types, alertFilter.type, set('type')),
        h('select', { id: 'f-state', onchange: set('state') }, ['all', 'open', 'acknowledged'].map(
          s => h('option', { value: s, selected: s === alertFilter.state, text: t('state.' + s) }))),
        h('span', { class: 'muted', id: 'alert-count', text: t('alerts.shown', r.data.shown, r.data.total) }),
        session.role !== 'admin' ? h('span', { class: 'pill', text: t('alerts.viewer') }) : null),
      alertTable(r.data.alerts, alertsPage));
    if (alertFilter.q) search.focus();
  }

  /* ---- network map: zones as boxes, devices in a grid inside ---- */

  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b',
                   '#e377c2', '#7f7f7f', '#bcbd22'];
  const ROLE_COLOUR = { controller: '#d62728', hmi: '#1f77b4', engineering: '#9467bd', historian: '#ff7f0e',
                        network: '#8c564b', it_host: '#17becf', iot: '#bcbd22' };
  const hiddenProtos = new Set();

  async function mapPage() {
    const r = await api('/api/map');
    if (r.status !== 200) return show(errorBox(r));
    const d = r.data;
    if (!d.nodes.length) return show(h('h1', { text: t('map.title') }), h('p', { class: 'muted', text: t('map.empty') }));
    const protos = [...new Set(d.edges.map(e => e.protocol))].sort();
    const colour = p => PALETTE[protos.indexOf(p) % PALETTE.length];
    /* Layout: zone boxes in a grid; nodes in a square grid inside each box. */
    const labels = d.nodes.length <= 200;
    const SX = labels ? 104 : 40, SY = labels ? 64 : 40, PAD = 24, HEAD = 30;
    const zones = d.zones.map(z => ({ ...z, nodes: d.nodes.filter(n => n.zone === z.name) }));
    zones.forEach(z => {
      z.cols = Math.max(1, Math.ceil(Math.sqrt(z.nodes.length * 1.6)));
      z.rows = Math.max(1, Math.ceil(z.nodes.length / z.cols));
      z.w = Math.max(160, z.cols * SX + PAD); z.h = z.rows * SY + PAD + HEAD;
    });
    const perRow = Math.max(1, Math.ceil(Math.sqrt(zones.length)));
    const pos = new Map();
    let x = 10, y = 10, rowH = 0, width = 0;
    zones.forEach((z, i) => {
      if (i && i % perRow === 0) { x = 10; y += rowH + 40; rowH = 0; }
      z.x = x; z.y = y;
      z.nodes.forEach((n, k) => {
        pos.set(n.id, { x: x + PAD / 2 + (k % z.cols) * SX + SX / 2,
                        y: y + HEAD + PAD / 2 + Math.floor(k / z.cols) * SY + SY / 2 - 8 });
      });
      x += z.w + 40; rowH = Math.max(rowH, z.h); width = Math.max(width, x);
    });
    const height = y + rowH + 10;
    const svg = h('svg', { id: 'map', class: labels ? null : 'dense', width, height, viewBox: `0 0 ${width} ${height}`,
                           xmlns: 'http://www.w3.org/2000/svg' },
      zones.map(z => h('g', { class: 'zone', 'data-zone': z.name },
        h('rect', { x: z.x, y: z.y, width: z.w, height: z.h, rx: 8 }),
        h('text', { class: 'zname', x: z.x + 10, y: z.y + 19, text: z.name + ' (' + z.kind + ')' }))),
      h('g', { class: 'edges' }, d.edges.filter(e => !hiddenProtos.has(e.protocol)).map(e => {
        const a = pos.get(e.source), b = pos.get(e.target);
        if (!a || !b) return null;
        const w = Math.min(4, 1 + Math.log10(1 + e.packets) / 2);
        /* A bend keeps an edge off the devices between its ends. */
        const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2, dx = b.x - a.x, dy = b.y - a.y;
        const len = Math.hypot(dx, dy) || 1, bend = Math.min(60, 12 + len * 0.18);
        const cx = mx - dy / len * bend, cy = my + dx / len * bend;
        return h('path', { class: 'edge', 'data-s': e.source, 'data-t': e.target, d: `M${a.x},${a.y} Q${cx.toFixed(1)},${cy.toFixed(1)} ${b.x},${b.y}`,
                           stroke: colour(e.protocol), 'stroke-width': w.toFixed(1), fill: 'none' },
          h('title', { text: `${e.protocol} :${e.port} (${e.packets})` }));
      })),
      h('g', { class: 'nodes' }, d.nodes.map(n => {
        const p = pos.get(n.id);
        return h('g', {},
          h('circle', { class: 'node', 'data-id': n.id, cx: p.x, cy: p.y, r: 9,
                        fill: ROLE_COLOUR[n.role] || '#64748b',
                        onclick: () => { location.hash = '#/assets/' + n.id; },
                        onmouseenter: () => highlight(n.id, true),
                        onmouseleave: () => highlight(n.id, false) },
            h('title', { text: `${n.label} ${n.ip} (${n.role}) ${n.vendor}` })),
          labels ? h('text', { x: p.x, y: p.y + 20, 'text-anchor': 'middle', text: n.label }) : null);
      })));
    /* At hundreds of devices the edges of the one under the pointer stand out. */
    function highlight(id, on) {
      svg.querySelectorAll(`path.edge[data-s="${id}"], path.edge[data-t="${id}"]`)
        .forEach(el => el.classList.toggle('hl', on));
    }
    const legend = h('div', { class: 'legend', id: 'map-legend' }, protos.map(p => {
      const cb = h('input', { type: 'checkbox', checked: !hiddenProtos.has(p), 'data-proto': p,
        onchange: ev => { if (ev.target.checked) hiddenProtos.delete(p); else hiddenProtos.add(p); mapPage(); } });
      const sw = h('span', { class: 'swatch' });
      sw.style.background = colour(p); /* CSSOM, allowed by the CSP */
      return h('label', {}, cb, sw, p);
    }));
    show(h('h1', { text: t('map.title') }), h('p', { class: 'muted', text: t('map.hint') }), legend,
      h('div', { class: 'mapwrap' }, svg));
  }

  /* ---- boundary and baseline ---- */

  async function boundaryPage() {
    const r = await api('/api/boundary');
    if (r.status !== 200) return show(errorBox(r));
    const rows = r.data.rows || [];
    const side = e => [e.zone_label || e.zone, e.name || e.ip].filter(Boolean).join(': ');
    show(h('h1', { text: t('boundary.title') }),
      !r.data.zones ? h('p', { class: 'muted', text: t('boundary.none') })
        : !rows.length ? h('p', { class: 'muted', text: t('boundary.empty') })
        : h('table', { id: 'boundary' },
          h('thead', {}, h('tr', {}, ['col.verdict', 'col.src', 'col.dst', 'col.service', 'col.direction',
            'col.rule', 'col.severity', 'col.flows', 'col.last'].map(k => h('th', { text: t(k) })))),
          h('tbody', {}, rows.map(x => h('tr', {},
            h('td', { class: 'verdict-' + x.verdict, text: x.verdict }),
            h('td', {}, x.src && x.src.asset_id ? h('a', { href: '#/assets/' + x.src.asset_id, text: side(x.src) }) : side(x.src || {})),
            h('td', {}, x.dst && x.dst.asset_id ? h('a', { href: '#/assets/' + x.dst.asset_id, text: side(x.dst) }) : side(x.dst || {})),
            h('td', { text: `${x.protocol} ${x.transport}/${x.server_port}` }),
            h('td', { text: x.direction }), h('td', { text: x.conduit || x.rule || '-' }),
            h('td', { class: x.severity ? 'sev sev-' + x.severity : '', text: x.severity || '-' }),
            h('td', { text: x.flows }), h('td', { text: ts(x.last_seen) }))))));
  }

  async function baselinePage() {
    const r = await api('/api/baseline');
    if (r.status !== 200) return show(errorBox(r));
    const b = r.data;
    const learning = b.mode === 'learning';
    show(h('h1', { text: t('baseline.title') }),
      h('div', { class: 'card', id: 'baseline' }, kv([
        [t('baseline.mode'), t(learning ? 'baseline.learning' : 'baseline.detecting')],
        [t('baseline.since'), ts(b.learning_since)], [t('baseline.until'), ts(b.learning_until)],
        [t('baseline.capture'), ts(b.capture_time)],
        [t('baseline.channels'), `${b.channels} / ${b.channels_max} (${b.channels_learned})` +
          (b.channels >= b.channels_max ? ' ' + t('baseline.full') : '')],
        [t('baseline.operations'), b.operations], [t('baseline.series'), b.periodic_series],
        [t('baseline.controllers'), b.controllers]]),
        h('p', {}, t('baseline.progress') + ': ',
          h('progress', { max: 100, value: b.progress_percent }), ' ' + b.progress_percent + '%')),
      h('h2', { text: t('baseline.acceptances') }),
      b.acceptances.length ? h('table', { id: 'acceptances' },
        h('thead', {}, h('tr', {}, ['col.alert', 'col.type', 'col.message', 'col.reason', 'col.time',
          'col.applied'].map(k => h('th', { text: t(k) })))),
        h('tbody', {}, b.acceptances.map(a => h('tr', {},
          h('td', { text: a.alert_id }), h('td', { text: a.type }), h('td', { text: a.summary }),
          h('td', { text: a.reason || '-' }), h('td', { text: ts(a.accepted_at) }),
          h('td', { text: t(a.applied ? 'yes' : 'no') })))))
        : h('p', { class: 'muted', text: t('asset.none') }));
  }

  /* ---- routing ---- */

  async function route() {
    if (!session) return boot();
    applyHeader();
    const parts = (location.hash || '#/assets').slice(2).split('/');
    try {
      if (parts[0] === 'assets' && parts[1]) await assetPage(parts[1]);
      else if (parts[0] === 'map') await mapPage();
      else if (parts[0] === 'alerts') await alertsPage();
      else if (parts[0] === 'boundary') await boundaryPage();
      else if (parts[0] === 'baseline') await baselinePage();
      else await assetsPage();
    } catch (e) {
      show(h('p', { class: 'error', text: t('error', e.message) }));
    }
    document.body.dataset.page = parts[0] || 'assets';
  }

  async function boot() {
    const r = await api('/api/session');
    if (r.status === 200) {
      session = r.data;
      lang = session.lang;
      return route();
    }
    const s = await api('/api/setup');
    if (s.data.required) setupPage(); else loginPage();
  }

  window.addEventListener('hashchange', route);
  boot();
})();

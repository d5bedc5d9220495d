/* app.js: the recall admin console, a single-page app over recall-admin's
 * JSON API.
 *
 * Routing is by location.hash (#/, #/tenants/ID, #/tenants/ID/contacts/C,
 * #/audit); every route change renders one view into #main. The token lives
 * in sessionStorage and goes out as "Authorization: Bearer"; a 401 anywhere
 * signs out. Every piece of data reaches the page through textContent or
 * attribute values (function h below), never through innerHTML, so a name,
 * message body or setting holding markup stays text.
 *
 * Views are asynchronous: each render takes a generation number and drops
 * its result when the user has navigated on meanwhile. #main carries
 * data-view (which view) and data-state (loading, ready, error, not-found)
 * so that tests can wait for a view to be complete. */
'use strict';

(function () {
        const TOKEN_KEY = 'recall-admin-token';
        const PAGE_SIZE = 50;

        let me = null;         /* GET /api/whoami of the current token */
        let generation = 0;    /* bumped at every route change */

        /* ---- small DOM helpers ------------------------------------------ */

        /* h('tag', {attrs}, children...): an element. Attribute values and
         * text children are set as data, never parsed as markup. "class"
         * sets className; keys starting with "on" are not accepted (no event
         * handlers through attributes; use el.addEventListener). */
        function h(tag, attrs, ...children) {
                const el = document.createElement(tag);
                for (const [k, v] of Object.entries(attrs || {})) {
                        if (v === null || v === undefined || v === false)
                                continue;
                        if (k.startsWith('on'))
                                throw new Error('h: event attribute ' + k);
                        if (k === 'class')
                                el.className = v;
                        else if (k === 'value')
                                el.value = v;
                        else
                                el.setAttribute(k, v === true ? '' : String(v));
                }
                append(el, children);
                return el;
        }

        function append(el, children) {
                for (const c of children) {
                        if (c === null || c === undefined || c === false)
                                continue;
                        if (Array.isArray(c))
                                append(el, c);
                        else if (c instanceof Node)
                                el.appendChild(c);
                        else
                                el.appendChild(document.createTextNode(String(c)));
                }
        }

        function $(id) {
                return document.getElementById(id);
        }

        function clear(el) {
                while (el.firstChild)
                        el.removeChild(el.firstChild);
        }

        function fmtNum(n) {
                if (n === null || n === undefined || n === '')
                        return '—';
                const x = Number(n);
                return Number.isFinite(x) ? x.toLocaleString('en-US') : String(n);
        }

        function fmtMs(ms) {
                if (ms === null || ms === undefined)
                        return '—';
                const x = Number(ms);
                if (!Number.isFinite(x))
                        return String(ms);
                return x < 1000 ? Math.round(x) + ' ms' : (x / 1000).toFixed(1) + ' s';
        }

        /* ISO-8601 as "YYYY-MM-DD HH:MM:SS UTC"; anything else as is. */
        function fmtTime(iso) {
                if (!iso)
                        return '—';
                const d = new Date(iso);
                if (Number.isNaN(d.getTime()))
                        return String(iso);
                return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
        }

        function timeEl(iso) {
                return h('time', {datetime: iso || null, title: iso || null}, fmtTime(iso));
        }

        /* A value of any JSON type as short text. */
        function fmtValue(v) {
                if (v === null || v === undefined)
                        return '—';
                if (typeof v === 'string')
                        return v;
                if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null))
                        return v.length ? v.join(', ') : '—';
                return JSON.stringify(v);
        }

        /* Any JSON value as nested lists (preferences, style, erase report). */
        function renderValue(v, depth) {
                depth = depth || 0;
                if (v === null || v === undefined)
                        return h('span', {class: 'muted'}, '—');
                if (typeof v !== 'object')
                        return h('span', {}, String(v));
                if (depth > 4)
                        return h('code', {}, JSON.stringify(v));
                if (Array.isArray(v)) {
                        if (!v.length)
                                return h('span', {class: 'muted'}, 'none');
                        if (v.every((x) => typeof x !== 'object' || x === null))
                                return h('span', {}, v.map((x) => String(x)).join(', '));
                        return h('ol', {class: 'tree'}, v.map((x) => h('li', {}, renderValue(x, depth + 1))));
                }
                const keys = Object.keys(v);
                if (!keys.length)
                        return h('span', {class: 'muted'}, 'none');
                return h('dl', {class: 'tree'}, keys.map((k) => [
                        h('dt', {}, k), h('dd', {'data-key': k}, renderValue(v[k], depth + 1)),
                ]));
        }

        function tempBadge(t) {
                return h('span', {class: 'badge temp-' + (t || 'none'), 'data-temperature': t || ''},
                         t || '—');
        }

        function tenantHref(id) {
                return '#/tenants/' + encodeURIComponent(id);
        }

        function contactHref(tenant, contact) {
                return tenantHref(tenant) + '/contacts/' + encodeURIComponent(contact);
        }

        /* ---- API ---------------------------------------------------------- */

        class ApiError extends Error {
                constructor(status, code, detail) {
                        super(code + (detail ? ': ' + detail : ''));
                        this.status = status;
                        this.code = code;
                        this.detail = detail;
                }
        }

        function token() {
                return sessionStorage.getItem(TOKEN_KEY) || '';
        }

        /* Calls the API; resolves to the parsed JSON body (or the Response
         * itself with opts.raw). Rejects with ApiError; a 401 also signs out
         * unless opts.token was given (the login form checks a new token). */
        async function api(method, path, body, opts) {
                opts = opts || {};
                const headers = {Authorization: 'Bearer ' + (opts.token || token())};
                const init = {method, headers, cache: 'no-store', credentials: 'omit'};
                if (body !== undefined) {
                        headers['Content-Type'] = 'application/json';
                        init.body = JSON.stringify(body);
                }
                let res;
                try {
                        res = await fetch(path, init);
                } catch (e) {
                        throw new ApiError(0, 'network', 'cannot reach the admin server (' + e.message + ')');
                }
                if (res.ok && opts.raw)
                        return res;
                const text = await res.text();
                let data = null;
                if (text) {
                        try {
                                data = JSON.parse(text);
                        } catch (e) {
                                data = null;
                        }
                }
                if (res.ok)
                        return data;
                const err = new ApiError(res.status, (data && data.error) || 'http_' + res.status,
                                         (data && data.detail) || res.statusText);
                if (res.status === 401 && !opts.token)
                        signOut('The server no longer accepts this token: sign in again.');
                throw err;
        }

        /* ---- sign in and out ---------------------------------------------- */

        function showLogin(message) {
                me = null;
                $('main').hidden = true;
                $('nav').hidden = true;
                $('logout').hidden = true;
                $('whoami').textContent = '';
                $('login-view').hidden = false;
                const err = $('login-error');
                err.textContent = message || '';
                err.hidden = !message;
                document.title = 'recall admin: sign in';
                $('login-token').focus();
        }

        function signOut(message) {
                sessionStorage.removeItem(TOKEN_KEY);
                generation++; /* drop whatever is still loading */
                showLogin(message);
        }

        function showApp() {
                $('login-view').hidden = true;
                $('main').hidden = false;
                $('nav').hidden = false;
                $('logout').hidden = false;
                $('whoami').textContent = me.role === 'platform'
                        ? 'platform admin'
                        : 'tenant admin: ' + me.tenant_id;
                $('whoami').title = 'token ' + (me.token_id || '');
                $('whoami').dataset.role = me.role;
        }

        async function onLogin(ev) {
                ev.preventDefault();
                const input = $('login-token');
                const t = input.value.trim();
                const button = $('login-submit');
                if (!t)
                        return;
                button.disabled = true;
                try {
                        me = await api('GET', '/api/whoami', undefined, {token: t});
                        sessionStorage.setItem(TOKEN_KEY, t);
                        input.value = '';
                        $('login-error').hidden = true;
                        route();
                } catch (e) {
                        const err = $('login-error');
                        err.textContent = e.status === 401 ? 'Token rejected.' : e.message;
                        err.hidden = false;
                } finally {
                        button.disabled = false;
                }
        }

        /* ---- views: common frame ------------------------------------------ */

        /* Starts rendering view `name`: returns the generation to check. */
        function begin(name, title) {
                const main = $('main');
                main.dataset.view = name;
                main.dataset.state = 'loading';
                clear(main);
                main.appendChild(h('p', {class: 'muted', id: 'loading'}, 'Loading…'));
                document.title = 'recall admin: ' + title;
                return ++generation;
        }

        function current(gen) {
                return gen === generation;
        }

        function finish(gen, state, ...children) {
                if (!current(gen))
                        return;
                const main = $('main');
                clear(main);
                append(main, children);
                main.dataset.state = state;
        }

        function fail(gen, e) {
                if (!current(gen) || e.status === 401)
                        return;
                if (e.status === 404) {
                        notFound(gen);
                        return;
                }
                finish(gen, 'error', h('h1', {}, 'Something went wrong'),
                       h('p', {class: 'error', id: 'view-error'}, e.message));
        }

        function notFound(gen) {
                document.title = 'recall admin: not found';
                finish(gen, 'not-found',
                       h('h1', {id: 'not-found', 'data-test': 'not-found'}, 'Not found'),
                       h('p', {}, 'There is no such page, or this token may not see it.'),
                       h('p', {}, h('a', {href: '#/'}, 'Back to the overview')));
        }

        function crumbs(...items) {
                const nav = h('nav', {class: 'crumbs', 'aria-label': 'breadcrumb'});
                items.forEach((it, i) => {
                        if (i)
                                nav.appendChild(h('span', {class: 'sep'}, '›'));
                        nav.appendChild(it.href ? h('a', {href: it.href}, it.text)
                                                : h('span', {}, it.text));
                });
                return nav;
        }

        function table(id, headings, rows, empty) {
                return h('table', {id, class: 'grid'},
                         h('thead', {}, h('tr', {}, headings.map((t) => h('th', {scope: 'col'}, t)))),
                         h('tbody', {}, rows.length ? rows
                           : h('tr', {class: 'empty'}, h('td', {colspan: headings.length}, empty))));
        }

        /* ---- overview ------------------------------------------------------ */

        async function viewOverview() {
                const gen = begin('overview', 'overview');
                let data;
                try {
                        data = await api('GET', '/api/overview');
                } catch (e) {
                        fail(gen, e);
                        return;
                }
                const tenants = data.tenants || [];
                const rows = tenants.map((t) => {
                        const lat = t.reply_latency_ms || {};
                        const c = t.claude || {};
                        return h('tr', {'data-tenant': t.tenant_id},
                                 h('td', {'data-col': 'tenant'},
                                   h('a', {href: tenantHref(t.tenant_id), 'data-test': 'tenant-link'},
                                     t.name || t.tenant_id),
                                   t.name && t.name !== t.tenant_id
                                           ? h('span', {class: 'muted id'}, t.tenant_id) : null),
                                 h('td', {class: 'num', 'data-col': 'contacts'}, fmtNum(t.contacts)),
                                 h('td', {class: 'num', 'data-col': 'messages_today'}, fmtNum(t.messages_today)),
                                 h('td', {class: 'num', 'data-col': 'hot'}, fmtNum(t.hot)),
                                 h('td', {class: 'num', 'data-col': 'warm'}, fmtNum(t.warm)),
                                 h('td', {class: 'num', 'data-col': 'cold'}, fmtNum(t.cold)),
                                 h('td', {class: 'num', 'data-col': 'p50'}, fmtMs(lat.p50)),
                                 h('td', {class: 'num', 'data-col': 'p95'}, fmtMs(lat.p95)),
                                 h('td', {class: 'num', 'data-col': 'claude_replies'}, fmtNum(c.replies_today)),
                                 h('td', {class: 'num', 'data-col': 'tokens'},
                                   fmtNum(c.input_tokens) + ' / ' + fmtNum(c.output_tokens)),
                                 h('td', {class: 'num', 'data-col': 'cache_tokens'},
                                   fmtNum(c.cache_read_tokens) + ' / ' + fmtNum(c.cache_write_tokens)));
                });
                const refresh = h('button', {type: 'button', id: 'overview-refresh'}, 'Refresh');
                refresh.addEventListener('click', () => viewOverview());
                const parts = [
                        h('div', {class: 'titlebar'}, h('h1', {}, 'Tenants'), refresh),
                        table('tenants-table',
                              ['Tenant', 'Contacts', 'Messages today', 'Hot', 'Warm', 'Cold',
                               'Reply p50', 'Reply p95', 'Claude replies today',
                               'Tokens in / out', 'Cache read / write'],
                              rows, 'No tenants.'),
                        h('h2', {}, 'Health'),
                        h('ul', {id: 'health', class: 'health'},
                          Object.entries(data.health || {}).map(([k, v]) =>
                                  h('li', {'data-health': k, class: v === 'ok' ? 'ok' : 'bad'},
                                    h('strong', {}, k), ' ', v))),
                ];
                if (me && me.role === 'platform') {
                        const dlq = Object.entries(data.dlq || {});
                        parts.push(h('h2', {}, 'Dead-letter queues'),
                                   table('dlq-table', ['Topic', 'Messages'],
                                         dlq.map(([topic, n]) => h('tr', {'data-topic': topic,
                                                                         class: n > 0 ? 'warn' : null},
                                                                   h('td', {}, topic),
                                                                   h('td', {class: 'num'}, fmtNum(n)))),
                                         'No dead-letter topics.'),
                                   h('h2', {}, 'Consumer lag'),
                                   table('lag-table', ['Group', 'Topic', 'Lag'],
                                         (data.lag || []).map((l) => h('tr', {'data-group': l.group,
                                                                             'data-topic': l.topic},
                                                                       h('td', {}, l.group),
                                                                       h('td', {}, l.topic),
                                                                       h('td', {class: 'num'}, fmtNum(l.lag)))),
                                         'No consumer groups.'));
                }
                finish(gen, 'ready', parts);
        }

        /* ---- tenant -------------------------------------------------------- */

        const SETTINGS = [
                {key: 'claude_model', label: 'Claude model', type: 'text'},
                {key: 'claude_max_tokens', label: 'Max tokens per reply', type: 'int', min: 1, max: 8192},
                {key: 'claude_temperature', label: 'Temperature', type: 'float', min: 0, max: 1,
                 hint: '0–1; empty for the model default'},
                {key: 'claude_rpm', label: 'Claude requests per minute', type: 'int', min: 0,
                 hint: '0 = unlimited'},
                {key: 'claude_tpm', label: 'Claude tokens per minute', type: 'int', min: 0,
                 hint: '0 = unlimited'},
                {key: 'history_window', label: 'Memory window (messages)', type: 'int', min: 1, max: 1000,
                 hint: 'messages kept in the hot memory'},
                {key: 'cache_ttl_days', label: 'Cache TTL (days)', type: 'int', min: 7, max: 90,
                 hint: '7–90'},
                {key: 'session_gap_s', label: 'Session gap (seconds)', type: 'int', min: 0,
                 hint: 'a lead writing after this gap is a returning lead'},
                {key: 'system_prompt', label: 'System prompt', type: 'textarea', rows: 6,
                 hint: 'empty for the built-in prompt'},
                {key: 'gazetteer', label: 'Gazetteer', type: 'textarea', rows: 6,
                 hint: 'the places of this agency, one per line'},
        ];

        function settingInput(s) {
                const id = 'set-' + s.key;
                if (s.type === 'textarea')
                        return h('textarea', {id, name: s.key, rows: s.rows, spellcheck: 'false'});
                if (s.type === 'text')
                        return h('input', {id, name: s.key, type: 'text', spellcheck: 'false'});
                return h('input', {id, name: s.key, type: 'number', min: s.min, max: s.max,
                                   step: s.type === 'float' ? 'any' : '1'});
        }

        function fillSettings(settings) {
                for (const s of SETTINGS) {
                        const v = settings[s.key];
                        $('set-' + s.key).value = v === null || v === undefined ? '' : String(v);
                        $('set-' + s.key).classList.remove('invalid');
                }
        }

        /* The form's value of setting s: {value} or {error}. */
        function readSetting(s) {
                const raw = $('set-' + s.key).value;
                if (s.type === 'text' || s.type === 'textarea')
                        return {value: raw};
                const t = raw.trim();
                if (s.type === 'float') {
                        if (t === '')
                                return {value: null};
                        const x = Number(t);
                        return Number.isFinite(x) ? {value: x} : {error: s.key + ' must be a number'};
                }
                if (!/^-?\d+$/.test(t))
                        return {error: s.key + ' must be a whole number'};
                return {value: parseInt(t, 10)};
        }

        function sameSetting(a, b) {
                if ((a === null || a === undefined) && (b === null || b === undefined || b === ''))
                        return true;
                return a === b;
        }

        function keyState(key) {
                const el = $('claude-key-state');
                el.dataset.set = key && key.set ? 'true' : 'false';
                el.textContent = key && key.set ? 'set (' + (key.masked || '••••••••') + ')' : 'not set';
                $('claude-key-remove').hidden = !(key && key.set);
        }

        function showResult(state, ...children) {
                const el = $('settings-result');
                clear(el);
                append(el, children);
                el.dataset.state = state;
                el.className = state === 'error' ? 'result error' : 'result ok';
                el.hidden = false;
        }

        async function viewTenant(tenantId) {
                const gen = begin('tenant', tenantId);
                let tenant;
                try {
                        tenant = await api('GET', '/api/tenants/' + encodeURIComponent(tenantId));
                } catch (e) {
                        fail(gen, e);
                        return;
                }
                let stored = tenant.settings || {};
                const path = '/api/tenants/' + encodeURIComponent(tenantId);

                const form = h('form', {id: 'settings-form', class: 'settings', novalidate: true,
                                        autocomplete: 'off'},
                               SETTINGS.map((s) => h('div', {class: 'field' + (s.type === 'textarea' ? ' wide' : '')},
                                                    h('label', {for: 'set-' + s.key}, s.label),
                                                    settingInput(s),
                                                    s.hint ? h('small', {class: 'muted'}, s.hint) : null)),
                               h('fieldset', {id: 'claude-key', class: 'field wide'},
                                 h('legend', {}, 'Claude API key'),
                                 h('p', {}, 'Stored key: ', h('strong', {id: 'claude-key-state'}), ' ',
                                   h('button', {type: 'button', id: 'claude-key-remove', class: 'danger'},
                                     'Remove key')),
                                 h('label', {for: 'claude-key-new'}, 'Set a new key (write-only, never shown again)'),
                                 h('input', {id: 'claude-key-new', type: 'password', autocomplete: 'new-password',
                                             spellcheck: 'false', placeholder: 'sk-ant-…'})),
                               h('div', {class: 'actions wide'},
                                 h('button', {type: 'submit', id: 'settings-save'}, 'Save settings'),
                                 h('div', {id: 'settings-result', role: 'status', hidden: true})));

                const search = h('input', {id: 'contact-search', type: 'search',
                                           placeholder: 'Search name, phone, email or id', spellcheck: 'false'});
                const temp = h('select', {id: 'contact-temperature'},
                               h('option', {value: ''}, 'any temperature'),
                               ['hot', 'warm', 'cold'].map((t) => h('option', {value: t}, t)));
                const contacts = h('section', {id: 'contacts', 'data-state': 'loading'},
                                   h('h2', {}, 'Contacts'),
                                   h('div', {class: 'filters'}, search, temp,
                                     h('span', {id: 'contacts-total', class: 'muted'})),
                                   h('div', {id: 'contacts-body'}),
                                   h('div', {class: 'pager'},
                                     h('button', {type: 'button', id: 'contacts-prev'}, '‹ Previous'),
                                     h('button', {type: 'button', id: 'contacts-next'}, 'Next ›')));

                finish(gen, 'ready',
                       crumbs({href: '#/', text: 'Overview'}, {text: tenant.name || tenant.tenant_id}),
                       h('h1', {id: 'tenant-title', 'data-tenant': tenant.tenant_id},
                         tenant.name || tenant.tenant_id,
                         h('span', {class: 'muted id'}, tenant.tenant_id)),
                       h('section', {id: 'settings'}, h('h2', {}, 'Settings'), form),
                       contacts);
                if (!current(gen))
                        return;
                fillSettings(stored);
                keyState(tenant.claude_key);

                form.addEventListener('submit', async (ev) => {
                        ev.preventDefault();
                        const patch = {};
                        const errors = [];
                        for (const s of SETTINGS) {
                                const r = readSetting(s);
                                $('set-' + s.key).classList.toggle('invalid', !!r.error);
                                if (r.error)
                                        errors.push(r.error);
                                else if (!sameSetting(stored[s.key], r.value))
                                        patch[s.key] = r.value;
                        }
                        if (errors.length) {
                                showResult('error', errors.join('; '));
                                return;
                        }
                        const newKey = $('claude-key-new').value.trim();
                        if (newKey)
                                patch.claude_key = newKey;
                        if (!Object.keys(patch).length) {
                                showResult('unchanged', 'Nothing changed.');
                                return;
                        }
                        await saveSettings(gen, path, patch, (t) => {
                                stored = t.settings || {};
                        });
                });
                $('claude-key-remove').addEventListener('click', () => {
                        confirmInline($('claude-key-remove'), 'Remove the stored key?', 'Remove',
                                      () => saveSettings(gen, path, {claude_key: null}, (t) => {
                                              stored = t.settings || {};
                                      }));
                });

                /* The contact list: its own loads, newest request wins. */
                let seq = 0, offset = 0, timer = null;
                async function loadContacts() {
                        const mine = ++seq;
                        contacts.dataset.state = 'loading';
                        const q = new URLSearchParams({limit: String(PAGE_SIZE), offset: String(offset)});
                        if (search.value.trim())
                                q.set('q', search.value.trim());
                        if (temp.value)
                                q.set('temperature', temp.value);
                        let data;
                        try {
                                data = await api('GET', path + '/contacts?' + q.toString());
                        } catch (e) {
                                if (mine !== seq || !current(gen))
                                        return;
                                const body = $('contacts-body');
                                clear(body);
                                body.appendChild(h('p', {class: 'error'}, e.message));
                                contacts.dataset.state = 'error';
                                return;
                        }
                        if (mine !== seq || !current(gen))
                                return;
                        const list = data.contacts || [];
                        const total = data.total === undefined ? list.length : data.total;
                        const body = $('contacts-body');
                        clear(body);
                        body.appendChild(table('contacts-table',
                                ['Contact', 'Phone', 'Email', 'Temperature', 'Messages', 'Last seen', 'Opted out'],
                                list.map((c) => h('tr', {'data-contact': c.contact_id},
                                        h('td', {}, h('a', {href: contactHref(tenantId, c.contact_id),
                                                            'data-test': 'contact-link'}, c.name || c.contact_id),
                                          c.name ? h('span', {class: 'muted id'}, c.contact_id) : null),
                                        h('td', {}, c.phone || '—'),
                                        h('td', {}, c.email || '—'),
                                        h('td', {}, tempBadge(c.temperature)),
                                        h('td', {class: 'num'}, fmtNum(c.message_count)),
                                        h('td', {}, timeEl(c.last_seen_at)),
                                        h('td', {}, c.opted_out ? 'yes' : 'no'))),
                                'No contacts match.'));
                        $('contacts-total').textContent = total === 0 ? '' :
                                (offset + 1) + '–' + (offset + list.length) + ' of ' + fmtNum(total);
                        $('contacts-prev').disabled = offset === 0;
                        $('contacts-next').disabled = offset + list.length >= total;
                        contacts.dataset.query = q.get('q') || '';
                        contacts.dataset.temperature = q.get('temperature') || '';
                        contacts.dataset.state = 'ready';
                }
                search.addEventListener('input', () => {
                        clearTimeout(timer);
                        timer = setTimeout(() => {
                                offset = 0;
                                loadContacts();
                        }, 250);
                });
                temp.addEventListener('change', () => {
                        offset = 0;
                        loadContacts();
                });
                $('contacts-prev').addEventListener('click', () => {
                        offset = Math.max(0, offset - PAGE_SIZE);
                        loadContacts();
                });
                $('contacts-next').addEventListener('click', () => {
                        offset += PAGE_SIZE;
                        loadContacts();
                });
                loadContacts();
        }

        /* PATCHes the tenant and shows what the server stored (the answer is
         * the tenant object as GET returns it), or its error. */
        async function saveSettings(gen, path, patch, onStored) {
                const button = $('settings-save');
                button.disabled = true;
                showResult('saving', 'Saving…');
                let t;
                try {
                        t = await api('PATCH', path, patch);
                } catch (e) {
                        if (!current(gen))
                                return;
                        button.disabled = false;
                        const bad = SETTINGS.find((s) => e.detail && e.detail.startsWith(s.key));
                        if (bad)
                                $('set-' + bad.key).classList.add('invalid');
                        showResult('error', e.status === 404 ? 'This tenant no longer exists.'
                                                             : e.code + ': ' + (e.detail || ''));
                        return;
                }
                if (!current(gen))
                        return;
                button.disabled = false;
                onStored(t);
                fillSettings(t.settings || {});
                keyState(t.claude_key);
                $('claude-key-new').value = '';
                const items = Object.keys(patch).map((k) => {
                        if (k === 'claude_key')
                                return h('li', {'data-key': k}, 'claude_key: ',
                                         t.claude_key && t.claude_key.set ? 'set' : 'not set');
                        const v = (t.settings || {})[k];
                        const text = typeof v === 'string' && v.length > 60 ? v.slice(0, 60) + '…' : fmtValue(v);
                        return h('li', {'data-key': k}, k + ': ' + text);
                });
                showResult('saved', 'Saved. Stored now:', h('ul', {}, items));
        }

        /* Replaces button by "question [yes] [cancel]" until one is clicked:
         * an in-page confirmation (a modal confirm() would block a headless
         * browser and cannot be styled). */
        function confirmInline(button, question, yesText, onYes) {
                const yes = h('button', {type: 'button', class: 'danger', id: button.id + '-yes'}, yesText);
                const no = h('button', {type: 'button', id: button.id + '-cancel'}, 'Cancel');
                const box = h('span', {class: 'confirm', id: button.id + '-confirm'}, question, ' ', yes, ' ', no);
                button.hidden = true;
                button.after(box);
                const done = () => {
                        box.remove();
                        button.hidden = false;
                };
                no.addEventListener('click', done);
                yes.addEventListener('click', () => {
                        done();
                        onYes();
                });
                no.focus();
        }

        /* ---- contact ------------------------------------------------------- */

        async function viewContact(tenantId, contactId) {
                const gen = begin('contact', contactId);
                const path = '/api/tenants/' + encodeURIComponent(tenantId) + '/contacts/' +
                             encodeURIComponent(contactId);
                let c;
                try {
                        c = await api('GET', path);
                } catch (e) {
                        fail(gen, e);
                        return;
                }
                const messages = c.messages || [];
                const byId = new Map(messages.map((m) => [m.id, m]));
                const facts = c.facts || [];
                const current_ = facts.filter((f) => !f.valid_until);
                const history = facts.filter((f) => f.valid_until);

                /* The message a fact came from: its text when it is still in the
                 * window (click to find it in the conversation), else its id. */
                function source(id) {
                        const m = byId.get(id);
                        if (!m)
                                return h('span', {class: 'muted', 'data-message-id': id}, id || '—');
                        const quote = m.body.length > 80 ? m.body.slice(0, 80) + '…' : m.body;
                        const a = h('a', {href: '#', class: 'quote', 'data-message-id': id, title: id}, '“' + quote + '”');
                        a.addEventListener('click', (ev) => {
                                ev.preventDefault();
                                const li = document.querySelector('#conversation li[data-message-id="' + CSS.escape(id) + '"]');
                                if (li) {
                                        li.scrollIntoView({block: 'center'});
                                        li.classList.add('flash');
                                        setTimeout(() => li.classList.remove('flash'), 1500);
                                }
                        });
                        return a;
                }

                const exportBtn = h('button', {type: 'button', id: 'export-json'}, 'Export JSON');
                const eraseBtn = h('button', {type: 'button', id: 'erase-contact', class: 'danger'}, 'Erase contact');
                const result = h('div', {id: 'erase-result', role: 'status', hidden: true});
                const q = c.next_question;

                finish(gen, 'ready',
                       crumbs({href: '#/', text: 'Overview'}, {href: tenantHref(tenantId), text: tenantId},
                              {text: contactId}),
                       h('div', {class: 'titlebar'},
                         h('h1', {id: 'contact-title', 'data-contact': c.contact_id},
                           c.name || c.contact_id, c.name ? h('span', {class: 'muted id'}, c.contact_id) : null),
                         h('div', {class: 'actions'}, exportBtn, eraseBtn)),
                       result,
                       h('div', {id: 'contact-details'},
                         h('dl', {class: 'facts-summary', id: 'contact-summary'},
                           h('dt', {}, 'Phone'), h('dd', {id: 'contact-phone'}, c.phone || '—'),
                           h('dt', {}, 'Email'), h('dd', {id: 'contact-email'}, c.email || '—'),
                           h('dt', {}, 'Temperature'), h('dd', {id: 'contact-temp'}, tempBadge(c.temperature)),
                           h('dt', {}, 'Answered'), h('dd', {id: 'contact-answered'},
                                                        (c.answered || []).length + ' of 7 questions'),
                           h('dt', {}, 'Next question'), h('dd', {id: 'contact-next'}, q ? q.text : '—'),
                           h('dt', {}, 'Returning'), h('dd', {id: 'contact-returning'},
                                                       c.returning ? 'yes, after ' + Math.round(c.returning.gap_seconds / 3600) + ' h' : 'no'),
                           h('dt', {}, 'Opted out'), h('dd', {id: 'opt-out', 'data-opted-out': c.opted_out ? 'true' : 'false',
                                                              class: c.opted_out ? 'bad' : null},
                                                         c.opted_out ? 'yes: no messages are sent to this lead' : 'no'),
                           h('dt', {}, 'Messages'), h('dd', {id: 'contact-count'}, fmtNum(c.message_count))),
                         c.summary ? [h('h2', {}, 'Summary of earlier messages'),
                                      h('p', {id: 'contact-summary-text', class: 'prewrap'}, c.summary)] : null,
                         h('h2', {}, 'Qualification facts'),
                         table('facts-table', ['Question', 'Value', 'From message', 'Since'],
                               current_.map((f) => h('tr', {'data-field': f.field},
                                                     h('td', {}, f.field),
                                                     h('td', {'data-col': 'value'}, fmtValue(f.value)),
                                                     h('td', {}, source(f.message_id)),
                                                     h('td', {}, timeEl(f.valid_from)))),
                               'Nothing known yet.'),
                         h('h2', {}, 'Fact history'),
                         table('fact-history', ['Question', 'Earlier value', 'From message', 'Valid from', 'Until'],
                               history.map((f) => h('tr', {'data-field': f.field},
                                                    h('td', {}, f.field),
                                                    h('td', {'data-col': 'value'}, fmtValue(f.value)),
                                                    h('td', {}, source(f.message_id)),
                                                    h('td', {}, timeEl(f.valid_from)),
                                                    h('td', {}, timeEl(f.valid_until)))),
                               'No earlier values.'),
                         h('h2', {}, 'Conversation'),
                         h('p', {class: 'muted'}, 'The ' + messages.length + ' most recent of ' +
                           fmtNum(c.message_count) + ' messages (export for all).'),
                         h('ol', {id: 'conversation', class: 'conversation'},
                           messages.map((m) => h('li', {'data-message-id': m.id, class: m.direction},
                                                 h('div', {class: 'meta'}, m.direction === 'inbound' ? 'lead' : 'agent',
                                                   ' · ', timeEl(m.at)),
                                                 h('div', {class: 'body prewrap'}, m.body)))),
                         h('h2', {}, 'Preferences'),
                         h('div', {id: 'preferences'}, renderValue(c.preferences)),
                         h('h2', {}, 'Communication style'),
                         h('div', {id: 'style'}, renderValue(c.style)),
                         h('h2', {}, 'Recommendations sent'),
                         table('recommendations', ['Request', 'Listing', 'Score', 'Sent'],
                               (c.recommendations || []).map((r) => h('tr', {'data-listing': r.listing_key},
                                                                      h('td', {}, r.request_id),
                                                                      h('td', {}, r.listing_key),
                                                                      h('td', {class: 'num'}, typeof r.score === 'number' ? r.score.toFixed(2) : fmtValue(r.score)),
                                                                      h('td', {}, timeEl(r.at)))),
                               'None sent.')));
                if (!current(gen))
                        return;

                exportBtn.addEventListener('click', async () => {
                        exportBtn.disabled = true;
                        exportBtn.dataset.state = 'exporting';
                        try {
                                const res = await api('GET', path + '/export', undefined, {raw: true});
                                const blob = await res.blob();
                                const url = URL.createObjectURL(blob);
                                const a = h('a', {href: url, download: tenantId + '-' + contactId + '.json', hidden: true});
                                document.body.appendChild(a);
                                a.click();
                                a.remove();
                                setTimeout(() => URL.revokeObjectURL(url), 10000);
                                exportBtn.dataset.state = 'done';
                        } catch (e) {
                                exportBtn.dataset.state = 'error';
                                showErase('error', 'Export failed: ' + e.message);
                        } finally {
                                exportBtn.disabled = false;
                        }
                });
                eraseBtn.addEventListener('click', () => {
                        confirmInline(eraseBtn, 'Erase everything held about this contact? This cannot be undone.',
                                      'Erase', erase);
                });

                function showErase(state, ...children) {
                        clear(result);
                        append(result, children);
                        result.dataset.state = state;
                        result.className = state === 'error' ? 'result error' : 'result ok';
                        result.hidden = false;
                }

                async function erase() {
                        eraseBtn.disabled = true;
                        let r;
                        try {
                                r = await api('POST', path + '/erase', {});
                        } catch (e) {
                                if (!current(gen))
                                        return;
                                eraseBtn.disabled = false;
                                showErase('error', 'Erase failed: ' + e.message);
                                return;
                        }
                        if (!current(gen))
                                return;
                        exportBtn.disabled = true;
                        $('contact-details').remove();
                        showErase('erased', h('p', {}, 'Erased. Removed:'),
                                  h('div', {id: 'erase-removed'}, renderValue(r.removed || {})),
                                  h('p', {}, h('a', {href: tenantHref(tenantId)}, 'Back to ' + tenantId)));
                }
        }

        /* ---- audit --------------------------------------------------------- */

        async function viewAudit() {
                const gen = begin('audit', 'audit log');
                const params = new URLSearchParams(location.hash.split('?')[1] || '');
                const q = new URLSearchParams({limit: '100'});
                if (params.get('tenant'))
                        q.set('tenant', params.get('tenant'));
                let data;
                try {
                        data = await api('GET', '/api/audit?' + q.toString());
                } catch (e) {
                        fail(gen, e);
                        return;
                }
                const filter = h('form', {id: 'audit-filter', class: 'filters'},
                                 h('label', {for: 'audit-tenant'}, 'Tenant'),
                                 h('input', {id: 'audit-tenant', type: 'text', value: params.get('tenant') || '',
                                             placeholder: 'all tenants', spellcheck: 'false'}),
                                 h('button', {type: 'submit', id: 'audit-apply'}, 'Filter'));
                filter.addEventListener('submit', (ev) => {
                        ev.preventDefault();
                        const t = $('audit-tenant').value.trim();
                        location.hash = '#/audit' + (t ? '?tenant=' + encodeURIComponent(t) : '');
                });
                const entries = data.entries || [];
                finish(gen, 'ready',
                       h('h1', {}, 'Audit log'),
                       me && me.role === 'platform' ? filter : null,
                       h('p', {class: 'muted'}, 'Newest first, at most 100 entries.'),
                       table('audit-table', ['When', 'Actor', 'Role', 'Action', 'Tenant', 'Target', 'Detail'],
                             entries.map((e) => h('tr', {'data-action': e.action},
                                                  h('td', {}, timeEl(e.at)),
                                                  h('td', {}, e.actor || '—'),
                                                  h('td', {}, e.role || '—'),
                                                  h('td', {}, e.action || '—'),
                                                  h('td', {}, e.tenant_id
                                                          ? h('a', {href: tenantHref(e.tenant_id)}, e.tenant_id) : '—'),
                                                  h('td', {}, e.target || '—'),
                                                  h('td', {class: 'detail'}, fmtValue(e.detail)))),
                             'No entries.'));
        }

        /* ---- router -------------------------------------------------------- */

        /* The route of the current hash: [view, args...]. */
        function parseHash() {
                const path = location.hash.replace(/^#/, '').split('?')[0] || '/';
                let parts;
                try {
                        parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
                } catch (e) {
                        return ['notfound'];
                }
                if (parts.length === 0)
                        return ['overview'];
                if (parts[0] === 'audit' && parts.length === 1)
                        return ['audit'];
                if (parts[0] === 'tenants' && parts.length === 2)
                        return ['tenant', parts[1]];
                if (parts[0] === 'tenants' && parts.length === 4 && parts[2] === 'contacts')
                        return ['contact', parts[1], parts[3]];
                return ['notfound'];
        }

        async function route() {
                if (!token()) {
                        showLogin();
                        return;
                }
                if (!me) {
                        /* a reload: the stored token must still be good */
                        try {
                                me = await api('GET', '/api/whoami');
                        } catch (e) {
                                if (e.status !== 401)
                                        showLogin(e.message);
                                return;
                        }
                }
                showApp();
                const [view, a, b] = parseHash();
                for (const link of document.querySelectorAll('#nav a'))
                        link.classList.toggle('active', link.id === 'nav-' + view);
                if (view === 'overview')
                        viewOverview();
                else if (view === 'tenant')
                        viewTenant(a);
                else if (view === 'contact')
                        viewContact(a, b);
                else if (view === 'audit')
                        viewAudit();
                else
                        notFound(begin('notfound', 'not found'));
        }

        document.addEventListener('DOMContentLoaded', () => {
                $('login-form').addEventListener('submit', onLogin);
                $('logout').addEventListener('click', () => {
                        signOut();
                        history.replaceState(null, '', '#/');
                });
                window.addEventListener('hashchange', route);
                route();
        });
})();

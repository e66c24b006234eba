/* Agent console: live queue and handoff workspace over server-sent events.
 *
 * Data from the server is only ever put into the page with textContent and DOM calls, never
 * innerHTML: customer text can contain anything, including markup. This file is the only
 * script the console loads (the CSP allows no inline script).
 *
 * Alerts (issue 15): a new waiting handoff chimes (Web Audio, generated here: no sound file),
 * raises a desktop notification (only after the user clicked 开启桌面提醒) and counts in the
 * tab title; a handoff past its wait limit alerts supervisors the same way plus a banner.
 */
(function () {
  "use strict";

  var body = document.body;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var clockOffset = 0; // server time minus browser time, in ms

  function setServerNow(iso) {
    var t = iso ? Date.parse(iso) : NaN;
    if (!isNaN(t)) { clockOffset = t - Date.now(); }
  }

  function serverNow() { return Date.now() + clockOffset; }

  function duration(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    if (h > 0) { return h + " 小时 " + m + " 分"; }
    if (m > 0) { return m + " 分 " + (sec < 10 ? "0" : "") + sec + " 秒"; }
    return sec + " 秒";
  }

  function tickTimers() {
    document.querySelectorAll("[data-since]").forEach(function (node) {
      var since = Date.parse(node.getAttribute("data-since"));
      if (!isNaN(since)) { node.textContent = duration(serverNow() - since); }
    });
    document.querySelectorAll("[data-due]").forEach(function (node) {
      var due = Date.parse(node.getAttribute("data-due"));
      if (isNaN(due)) { return; }
      var left = due - serverNow();
      if (left >= 0) {
        node.textContent = "剩余 " + duration(left);
        node.classList.remove("overdue");
      } else {
        node.textContent = "已超时 " + duration(-left);
        node.classList.add("overdue");
      }
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function hiddenInput(name, value) {
    var input = el("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function listen(url, handlers) {
    var live = document.getElementById("live-state");
    var source = new EventSource(url);
    source.onopen = function () { if (live) { live.classList.remove("off"); live.textContent = "● 实时"; } };
    source.onerror = function () { if (live) { live.classList.add("off"); live.textContent = "● 连接中断，正在重连…"; } };
    Object.keys(handlers).forEach(function (name) {
      source.addEventListener(name, function (event) { handlers[name](JSON.parse(event.data)); });
    });
    source.addEventListener("logout", function () {
      source.close();
      window.location.href = "/console/login";
    });
    window.addEventListener("pagehide", function () { source.close(); });
    return source;
  }

  function byId(id) { return document.getElementById(id); }

  // ------------------------------------------------------------------ alerts (issue 15)

  var SEEN_KEY = "console.seenHandoffs";       // waiting handoffs this tab has announced
  var ALERTED_KEY = "console.lateHandoffs";    // over-long handoffs this tab has alerted
  var ASSIGNED_KEY = "console.assignedHandoffs"; // conversations given to this agent, announced
  var SOUND_OFF_KEY = "console.soundOff";      // the 提示音 switch, kept across visits
  var MAX_REMEMBERED = 500;
  var MAX_NOTIFICATIONS = 3;                   // more at once: one summary instead of a pile
  var isSupervisor = body.getAttribute("data-supervisor") === "1";
  var me = body.getAttribute("data-me") || "";
  var baseTitle = document.title;
  var audio = null;
  var audioWanted = false;

  // sessionStorage: a reload or a visit to a workspace and back does not announce again what
  // this tab has announced, and announces what arrived meanwhile
  function remembered(key) {
    try {
      var raw = window.sessionStorage.getItem(key);
      var ids = raw ? JSON.parse(raw) : null;
      return Array.isArray(ids) ? ids : null;
    } catch (e) { return null; }
  }

  function remember(key, ids) {
    try { window.sessionStorage.setItem(key, JSON.stringify(ids.slice(-MAX_REMEMBERED))); } catch (e) { /* private mode */ }
  }

  function soundOn() {
    try { return window.localStorage.getItem(SOUND_OFF_KEY) !== "1"; } catch (e) { return true; }
  }

  function audioContext() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) {
      try { audio = new Ctx(); } catch (e) { audio = null; }
    }
    return audio;
  }

  function renderSoundControls() {
    var button = byId("sound-btn");
    if (!button) { return; }
    var on = soundOn();
    button.textContent = on ? "提示音：开" : "提示音：关";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    // browsers let a page make sound only after someone clicked or typed on it
    byId("sound-hint").hidden = !(on && audioWanted && audio && audio.state === "suspended");
  }

  function unlockAudio() {
    var ctx = audioContext();
    if (ctx && ctx.state === "suspended") {
      ctx.resume().then(renderSoundControls, renderSoundControls);
    }
    renderSoundControls();
  }

  // two tones for "someone is waiting", a fast triple for "someone waits too long"
  var CHIMES = {
    handoff: [[880, 0, 0.16], [660, 0.2, 0.28]],
    late: [[988, 0, 0.12], [988, 0.18, 0.12], [988, 0.36, 0.12], [740, 0.54, 0.32]]
  };

  function playNotes(ctx, notes) {
    var t0 = ctx.currentTime + 0.02;
    notes.forEach(function (n) {
      var start = t0 + n[1], end = start + n[2];
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.setValueAtTime(n[0], start);
      // a short fade in and out: a tone cut hard at full volume clicks
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, end);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(start);
      osc.stop(end + 0.05);
    });
  }

  function chime(kind) {
    if (!soundOn()) { return; }
    var ctx = audioContext();
    if (!ctx) { return; }
    if (ctx.state === "running") { playNotes(ctx, CHIMES[kind]); return; }
    audioWanted = true;
    var asked = Date.now();
    // without a click on the page yet, resume() waits for one: a chime more than a few
    // seconds late would announce nothing, so it is dropped
    ctx.resume().then(function () {
      if (ctx.state === "running" && Date.now() - asked < 3000) { playNotes(ctx, CHIMES[kind]); }
      renderSoundControls();
    }, renderSoundControls);
    renderSoundControls();
  }

  function notificationState() {
    if (!("Notification" in window)) { return "unsupported"; }
    return window.Notification.permission;  // default | granted | denied
  }

  var NOTIFY_STATES = {
    granted: "桌面提醒已开启",
    denied: "桌面提醒已被浏览器禁止：如需开启，请在浏览器的网站设置中允许本站发送通知。",
    unsupported: "此浏览器不支持桌面提醒，请留意提示音和标签页标题中的数字。"
  };

  function renderNotifyControls() {
    var button = byId("notify-btn");
    if (!button) { return; }
    var state = notificationState();
    var text = byId("notify-state");
    button.hidden = state !== "default";
    text.hidden = state === "default";
    text.textContent = NOTIFY_STATES[state] || "";
  }

  function setupAlertControls() {
    var notifyButton = byId("notify-btn");
    if (!notifyButton) { return; }
    notifyButton.addEventListener("click", function () {
      unlockAudio();
      // asked only here, on the user's click: never on page load
      var asked = window.Notification.requestPermission(renderNotifyControls);
      if (asked && asked.then) { asked.then(renderNotifyControls, renderNotifyControls); }
    });
    byId("sound-btn").addEventListener("click", function () {
      try { window.localStorage.setItem(SOUND_OFF_KEY, soundOn() ? "1" : "0"); } catch (e) { /* private mode */ }
      unlockAudio();
    });
    ["pointerdown", "keydown"].forEach(function (name) {
      document.addEventListener(name, unlockAudio, { once: true, capture: true });
    });
    renderNotifyControls();
    renderSoundControls();
  }

  function notify(title, text, tag, url) {
    if (notificationState() !== "granted") { return; }
    try {
      // the tag makes a second tab's notification of the same handoff replace the first
      var n = new window.Notification(title, { body: text, tag: tag, lang: "zh-CN" });
      n.onclick = function () {
        window.focus();
        if (url) { window.location.href = url; }
        n.close();
      };
    } catch (e) { /* Chrome on Android shows notifications only from a service worker */ }
  }

  function showWaitingCount(data) {
    var n = typeof data.waiting === "number" ? data.waiting
      : (data.items || []).filter(function (i) { return i.status === "waiting"; }).length;
    document.title = n > 0 ? "(" + n + ") " + baseTitle : baseTitle;
  }

  // the items this tab has not seen under `key` yet, now remembered; on the tab's first look
  // none: what is there already is the state of things, not news
  function unseen(key, items) {
    var seen = remembered(key);
    var fresh = seen === null ? [] : items.filter(function (i) { return seen.indexOf(i.id) < 0; });
    var known = seen || [];
    remember(key, known.concat(items.map(function (i) { return i.id; }).filter(function (id) {
      return known.indexOf(id) < 0;
    })));
    return fresh;
  }

  function announceNew(items) {
    var fresh = unseen(SEEN_KEY, items.filter(function (i) { return i.status === "waiting"; }));
    if (!fresh.length) { return; }
    chime("handoff");
    if (fresh.length > MAX_NOTIFICATIONS) {
      notify("有 " + fresh.length + " 个新的转人工请求", "请打开转人工队列及时接入。", "handoff-new", "/console");
      return;
    }
    fresh.forEach(function (i) {
      notify("新的转人工请求：" + i.reason_label,
        i.case_no + " · " + i.channel_label + (i.preview ? "\n客户：" + i.preview : ""),
        "handoff-new-" + i.id, "/console/handoffs/" + encodeURIComponent(i.id));
    });
  }

  function lateItem(i) {
    var li = el("li");
    li.appendChild(el("span", "badge reason-" + i.reason, i.reason_label));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "case-no", i.case_no));
    li.appendChild(document.createTextNode(" 已等待 "));
    var since = el("span", "since");
    since.setAttribute("data-since", i.created_at);
    li.appendChild(since);
    li.appendChild(document.createTextNode("（时限 " + i.wait_limit_label + "），仍无人接入 "));
    var open = el("a", "", "打开会话");
    open.href = "/console/handoffs/" + encodeURIComponent(i.id);
    li.appendChild(open);
    return li;
  }

  // supervisors only: the banner while any handoff waits too long, and one chime and
  // notification per such handoff
  function alertLate(items) {
    var box = byId("wait-alerts");
    if (!isSupervisor || !box) { return; }
    var late = items.filter(function (i) { return i.waited_too_long; });
    box.hidden = late.length === 0;
    var list = el("ul");
    late.forEach(function (i) { list.appendChild(lateItem(i)); });
    box.replaceChildren(el("strong", "", "⚠ 有 " + late.length + " 个转人工会话等待过久，请立即安排坐席接入："), list);
    var alerted = remembered(ALERTED_KEY) || [];
    var fresh = late.filter(function (i) { return alerted.indexOf(i.id) < 0; });
    if (!fresh.length) { return; }
    remember(ALERTED_KEY, alerted.concat(fresh.map(function (i) { return i.id; })));
    chime("late");
    if (fresh.length > MAX_NOTIFICATIONS) {
      notify("有 " + fresh.length + " 个转人工会话等待过久", "请打开转人工队列，立即安排坐席接入。", "handoff-late", "/console");
      return;
    }
    fresh.forEach(function (i) {
      notify("转人工等待过久：" + i.reason_label, i.case_no + " " + i.wait_alert,
        "handoff-late-" + i.id, "/console/handoffs/" + encodeURIComponent(i.id));
    });
  }

  function showLimits(data) {
    var node = byId("wait-limits");
    if (node && data.limits_text) {
      node.textContent = data.limits_text;
      node.hidden = false;
    }
  }

  // auto-assignment (assignment.py): a conversation the desk gave this agent is announced
  // like a new handoff, once; it may never have been seen waiting here
  function announceAssigned(items) {
    if (!me) { return; }
    var fresh = unseen(ASSIGNED_KEY, items.filter(function (i) { return i.status === "active" && i.claimed_by === me; }));
    if (!fresh.length) { return; }
    chime("handoff");
    fresh.slice(0, MAX_NOTIFICATIONS).forEach(function (i) {
      notify("已为您分配新的会话：" + i.reason_label,
        i.case_no + " · " + i.channel_label + (i.preview ? "\n客户：" + i.preview : ""),
        "handoff-assigned-" + i.id, "/console/handoffs/" + encodeURIComponent(i.id));
    });
    var note = byId("assigned-note");
    if (note) {
      note.hidden = false;
      note.replaceChildren(document.createTextNode("已为您分配新的会话 "));
      fresh.forEach(function (i) {
        var open = el("a", "", i.case_no);
        open.href = "/console/handoffs/" + encodeURIComponent(i.id);
        note.appendChild(open);
        note.appendChild(document.createTextNode(" "));
      });
    }
  }

  // what every queue snapshot does on both pages, first render and stream alike
  function alertOnQueue(data) {
    var items = data.items || [];
    showWaitingCount(data);
    showLimits(data);
    announceNew(items);
    announceAssigned(items);
    alertLate(items);
  }

  // ------------------------------------------------------------------ queue (agent home)

  function cell(label, className, text) {
    var td = el("td", className, text);
    td.setAttribute("data-label", label);  // the row is a card on a phone (console.css)
    return td;
  }

  function lateBadge(item) {
    var badge = el("span", "badge bad late", item.wait_badge);
    badge.title = item.wait_alert;
    return badge;
  }

  function previewCell(item) {
    var td = cell("最后一句", "preview", item.preview || "—");
    if (item.preview) { td.title = item.preview; }
    return td;
  }

  function queueRow(item) {
    var tr = el("tr", item.status + (item.waited_too_long ? " too-long" : ""));
    tr.setAttribute("data-id", String(item.id));
    var status = cell("状态");
    status.appendChild(el("span", "badge status-" + item.status, item.status_label));
    tr.appendChild(status);
    var reason = cell("原因");
    reason.appendChild(el("span", "badge reason-" + item.reason, item.reason_label));
    tr.appendChild(reason);
    tr.appendChild(cell("渠道", "", item.channel_label));
    tr.appendChild(cell("案件编号", "case-no", item.case_no));
    tr.appendChild(cell("分类", "", item.category_label));
    tr.appendChild(cell("手机", "", item.phone || "—"));
    tr.appendChild(previewCell(item));
    var waited = cell("已等待");
    var since = el("span", "since");
    since.setAttribute("data-since", item.created_at);
    waited.appendChild(since);
    if (item.waited_too_long) {
      waited.appendChild(document.createTextNode(" "));
      waited.appendChild(lateBadge(item));
    }
    tr.appendChild(waited);
    var sla = cell("首次联系");
    if (item.contacted_at) {
      sla.textContent = "已联系";
    } else {
      var due = el("span", "due");
      due.setAttribute("data-due", item.contact_due_at);
      sla.appendChild(due);
    }
    tr.appendChild(sla);
    tr.appendChild(cell("坐席", "", item.claimed_by_name || item.claimed_by || "—"));
    var act = cell("", "row-actions");
    if (item.status === "waiting") {
      var form = el("form", "inline");
      form.method = "post";
      form.action = "/console/handoffs/" + encodeURIComponent(item.id) + "/claim";
      form.appendChild(hiddenInput("_csrf", csrf));
      var button = el("button", "claim", "接入");
      button.type = "submit";
      form.appendChild(button);
      act.appendChild(form);
      act.appendChild(document.createTextNode(" "));
    }
    var open = el("a", "open", "打开");
    open.href = "/console/handoffs/" + encodeURIComponent(item.id);
    act.appendChild(open);
    tr.appendChild(act);
    return tr;
  }

  function renderQueue(data) {
    setServerNow(data.now);
    var rows = document.createDocumentFragment();
    (data.items || []).forEach(function (item) { rows.appendChild(queueRow(item)); });
    document.getElementById("queue-rows").replaceChildren(rows);
    document.getElementById("queue-empty").hidden = (data.items || []).length > 0;
    alertOnQueue(data);
    tickTimers();
  }

  function renderTeam(data) {
    var rows = byId("team-rows");
    if (!rows) { return; }
    var frag = document.createDocumentFragment();
    (data.agents || []).forEach(function (a) {
      var tr = el("tr");
      tr.appendChild(cell("坐席", "", a.display_name));
      var state = cell("接待状态");
      state.appendChild(el("span", "badge presence-" + a.presence, a.presence_label));
      tr.appendChild(state);
      tr.appendChild(cell("手头会话", "", a.load + " / " + a.capacity));
      frag.appendChild(tr);
    });
    if (!(data.agents || []).length) {
      var empty = el("tr");
      var td = el("td", "muted", "还没有坐席账号。");
      td.colSpan = 3;
      empty.appendChild(td);
      frag.appendChild(empty);
    }
    rows.replaceChildren(frag);
  }

  function startQueue() {
    var island = document.getElementById("queue-data");
    setupAlertControls();
    renderQueue(JSON.parse(island.textContent || "{}"));
    listen("/console/events", { queue: renderQueue, team: renderTeam });
  }

  // ------------------------------------------------------------------ supervisor page

  // the same columns as supervisor.html's handoff_rows()
  function supervisorRow(item) {
    var tr = el("tr", item.waited_too_long ? "too-long" : "");
    tr.setAttribute("data-id", String(item.id));
    var id = cell("编号");
    var link = el("a", "", "#" + item.id);
    link.href = "/console/handoffs/" + encodeURIComponent(item.id);
    id.appendChild(link);
    tr.appendChild(id);
    var reason = cell("原因");
    reason.appendChild(el("span", "badge reason-" + item.reason, item.reason_label));
    if (item.waited_too_long) {
      reason.appendChild(document.createTextNode(" "));
      reason.appendChild(lateBadge(item));
    }
    tr.appendChild(reason);
    tr.appendChild(cell("渠道", "", item.channel_label));
    tr.appendChild(cell("案件编号", "", item.case_no));
    tr.appendChild(cell("分类", "", item.category_label));
    tr.appendChild(cell("手机", "", item.phone || "—"));
    tr.appendChild(previewCell(item));
    tr.appendChild(cell("转人工时间", "", (item.created_at || "").slice(0, 19).replace("T", " ")));
    tr.appendChild(cell("坐席", "", item.claimed_by_name || item.claimed_by || "—"));
    return tr;
  }

  function supervisorRows(status, items) {
    var rows = document.createDocumentFragment();
    var mine = items.filter(function (i) { return i.status === status; });
    mine.forEach(function (i) { rows.appendChild(supervisorRow(i)); });
    if (!mine.length) {
      var none = el("tr", "none");
      var td = el("td", "muted", "暂无");
      td.colSpan = 9;
      none.appendChild(td);
      rows.appendChild(none);
    }
    byId("sup-" + status + "-rows").replaceChildren(rows);
    byId("count-" + status).textContent = String(mine.length);
  }

  function renderSupervisor(data) {
    setServerNow(data.now);
    var items = data.items || [];
    supervisorRows("waiting", items);
    supervisorRows("active", items);
    if (typeof data.waiting === "number") { byId("count-waiting").textContent = String(data.waiting); }
    alertOnQueue(data);
    tickTimers();
  }

  function startSupervisor() {
    var island = byId("queue-data");
    setupAlertControls();
    renderSupervisor(JSON.parse(island.textContent || "{}"));
    listen("/console/events", { queue: renderSupervisor });
  }

  // ------------------------------------------------------------------ handoff workspace

  function turnNode(t) {
    var li = el("li", "turn role-" + t.role + (t.delivery === "failed" ? " failed" : ""));
    li.setAttribute("data-id", String(t.id));
    var meta = el("div", "meta");
    meta.appendChild(el("span", "who", t.role_label + (t.author ? " · " + t.author : "")));
    if (t.role === "note") { meta.appendChild(el("span", "badge note", "内部备注")); }
    var time = el("time", "", t.at ? t.at.slice(0, 19).replace("T", " ") : "");
    if (t.at) { time.setAttribute("datetime", t.at); }
    meta.appendChild(time);
    if (t.delivery === "failed") { meta.appendChild(el("span", "badge bad", "发送失败")); }
    li.appendChild(meta);
    li.appendChild(el("p", "text", t.text));
    return li;
  }

  function appendTurns(turns) {
    var list = document.getElementById("transcript");
    (turns || []).forEach(function (t) {
      var existing = list.querySelector('li[data-id="' + Number(t.id) + '"]');
      if (existing) {
        list.replaceChild(turnNode(t), existing);
      } else {
        list.appendChild(turnNode(t));
      }
    });
    list.scrollTop = list.scrollHeight;
  }

  function applyState(state) {
    var badge = document.getElementById("handoff-status");
    badge.textContent = state.status_label;
    badge.className = "badge status-" + state.status;
    document.getElementById("claimed-by").textContent = state.claimed_by || "未接入";
    document.getElementById("case-status").textContent = state.case_status_label;
    workspace.status = state.status;
    workspace.holder = state.holder || "";
    if (!typingAllowed()) { typingSentAt = 0; }  // transferred or ended: the desk cleared it
    document.querySelectorAll("[data-when]").forEach(function (node) {
      var when = node.getAttribute("data-when");
      var show = when === "open" ? state.status !== "closed" : when === state.status;
      node.hidden = !show;
    });
  }

  // ------------------------------------------------------------------ 正在输入 (issue 15)
  // While the agent types in the reply box of an active handoff they hold, the customer's web
  // chat shows "客服 王明 正在输入…": a signal at most every TYPING_EVERY_MS (the desk keeps it for
  // 6 s, bot/casedesk/handoffs/agent_typing.py), a stop when the reply is sent or the box emptied. Never a
  // word of the reply itself.

  var TYPING_EVERY_MS = 3000;
  var workspace = { status: body.getAttribute("data-status"), holder: body.getAttribute("data-holder") || "" };
  var typingSentAt = 0;  // when the last signal went out; 0: the desk does not count us as typing

  function typingAllowed() { return workspace.status === "active" && workspace.holder === me; }

  function typingSignal(typing) {
    var url = "/console/handoffs/" + encodeURIComponent(body.getAttribute("data-handoff-id")) + "/typing";
    // a lost signal is harmless: the next keystroke sends another, the desk forgets one after 6 s
    postJson(url, { typing: typing }).catch(function () { /* offline */ });
  }

  function stopTyping() {
    if (!typingSentAt) { return; }
    typingSentAt = 0;
    if (typingAllowed()) { typingSignal(false); }
  }

  function typed() {
    if (!typingAllowed()) { return; }
    if (!byId("reply-text").value.trim()) { stopTyping(); return; }
    var now = Date.now();
    if (typingSentAt && now - typingSentAt < TYPING_EVERY_MS) { return; }
    typingSentAt = now;
    typingSignal(true);
  }

  function showError(message) {
    var box = document.getElementById("action-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  // keyboard shortcuts of the workspace (issue 15), listed on the page (#shortcuts): Alt+R the
  // reply box, Alt+N the note box, Alt+B 交还机器人 after a confirmation (it ends the agent's part)
  function setupShortcuts() {
    document.addEventListener("keydown", function (event) {
      if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
      var key = (event.code || "").replace("Key", "").toLowerCase();
      var target = { r: "reply-text", n: "note-text" }[key];
      if (target && byId(target) && !byId(target).closest("[hidden]")) {
        event.preventDefault();
        byId(target).focus();
        return;
      }
      var release = byId("release-btn");
      if (key === "b" && release && !release.closest("[hidden]")) {
        event.preventDefault();
        if (window.confirm("确定把这个会话交还机器人吗？")) { release.closest("form").submit(); }
      }
    });
  }

  function sendText(form) {
    var area = form.querySelector("textarea");
    var text = area.value.trim();
    if (!text) { return; }
    var button = form.querySelector("button");
    button.disabled = true;
    showError("");
    if (form.id === "reply-form") { stopTyping(); }
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ text: text })
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok && result.data.blocked) {
        showBlocked(result.data);  // 质检: not sent, the text stays in the box
        return;
      }
      if (!result.ok) {
        showError(result.data.message || "操作失败，请稍后重试。");
        return;
      }
      if (form.id === "reply-form") { hideBlocked(); }
      area.value = "";
      if (result.data.turn) { appendTurns([result.data.turn]); }
      if (result.data.turn && result.data.turn.delivery === "failed") {
        showError("发送失败：客户暂时收不到这条回复，请稍后重试。");
      }
    }).catch(function () {
      showError("网络异常，消息未发送，请重试。");
    }).then(function () { button.disabled = false; });
  }

  // ------------------------------------------------------------------ 质检 before sending (issue 15)
  // A blocked reply: which rule and which words, next to the reply box; the author may ask a
  // supervisor to let it through (then this page follows the request), a supervisor may let it
  // through at once with a reason.

  var checkPoll = null;
  var requestedText = null;  // what the agent asked to release: emptied from the box once sent

  function postJson(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(data)
    }).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, data: body }; });
    });
  }

  function checkState(text, good) {
    var node = byId("reply-check-state");
    node.textContent = text || "";
    node.hidden = !text;
    node.className = "reply-check-state" + (good ? " ok" : "");
  }

  function hideBlocked() {
    var box = byId("reply-check");
    if (box) { box.hidden = true; }
    if (checkPoll) { window.clearInterval(checkPoll); checkPoll = null; }
  }

  function showBlocked(data) {
    var box = byId("reply-check");
    if (checkPoll) { window.clearInterval(checkPoll); checkPoll = null; }
    box.setAttribute("data-check-id", String(data.check_id));
    byId("reply-check-summary").textContent = data.summary || "";
    var list = byId("reply-check-findings");
    var items = document.createDocumentFragment();
    (data.findings || []).forEach(function (f) {
      var li = el("li");
      li.appendChild(el("strong", "", f.label));
      li.appendChild(document.createTextNode("："));
      (f.words || []).forEach(function (w, i) {
        if (i) { li.appendChild(document.createTextNode("、")); }
        li.appendChild(el("mark", "hit", w));
      });
      li.appendChild(el("br"));
      li.appendChild(el("span", "advice", f.advice));
      items.appendChild(li);
    });
    list.replaceChildren(items);
    var request = byId("reply-request-form"), release = byId("reply-release-form");
    request.action = "/console/reply-checks/" + encodeURIComponent(data.check_id) + "/request";
    release.action = "/console/reply-checks/" + encodeURIComponent(data.check_id) + "/release";
    request.hidden = !!data.can_release;
    release.hidden = !data.can_release;
    request.querySelector("button").disabled = false;
    release.querySelector("button").disabled = false;
    checkState("");
    box.hidden = false;
  }

  function followCheck(checkId) {
    if (checkPoll) { window.clearInterval(checkPoll); }
    checkPoll = window.setInterval(function () {
      fetch("/console/reply-checks/" + encodeURIComponent(checkId), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (resp) { return resp.ok ? resp.json() : null; }).then(function (c) {
        if (!c || c.status === "requested" || c.status === "blocked") { return; }
        window.clearInterval(checkPoll);
        checkPoll = null;
        if (c.status === "released") {
          // the agent may have started another reply meanwhile: that one stays
          if (byId("reply-text").value.trim() === requestedText) { byId("reply-text").value = ""; }
          checkState("主管 " + (c.decided_by_name || "") + " 已放行，这条回复已发送给客户。放行理由：" + (c.decision_reason || ""), true);
        } else if (c.status === "rejected") {
          checkState("主管 " + (c.decided_by_name || "") + " 未放行" + (c.decision_reason ? "：" + c.decision_reason : "") + "。请修改后重新发送。");
        }
      }).catch(function () { /* the next tick tries again */ });
    }, 3000);
  }

  function setupReplyCheck() {
    var box = byId("reply-check");
    if (!box) { return; }
    byId("reply-request-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target, button = form.querySelector("button");
      button.disabled = true;
      requestedText = byId("reply-text").value.trim();
      postJson(form.action, { note: byId("reply-request-note").value }).then(function (result) {
        if (!result.ok) { button.disabled = false; checkState(result.data.message || "申请失败，请稍后重试。"); return; }
        checkState("已申请主管放行，等待主管处理…（这条回复尚未发送）");
        followCheck(result.data.check.id);
      }).catch(function () { button.disabled = false; checkState("网络异常，申请未提交，请重试。"); });
    });
    byId("reply-release-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target, button = form.querySelector("button");
      var reason = byId("reply-release-reason").value.trim();
      if (reason.length < 4) { checkState("请写明放行理由（至少 4 个字）。"); return; }
      button.disabled = true;
      postJson(form.action, { reason: reason }).then(function (result) {
        if (!result.ok) { button.disabled = false; checkState(result.data.message || "放行失败，请稍后重试。"); return; }
        byId("reply-text").value = "";
        byId("reply-release-reason").value = "";
        if (result.data.turn) { appendTurns([result.data.turn]); }
        checkState(result.data.notice || "已放行并发送。", true);
        byId("reply-request-form").hidden = true;
        form.hidden = true;
      }).catch(function () { button.disabled = false; checkState("网络异常，未能放行，请重试。"); });
    });
  }

  // 快捷回复: the chosen reply, filled for this case on the server, goes into the reply box,
  // where the agent may still edit it before 发送 (质检 checks it like any text)
  function setupCannedReplies() {
    var select = document.getElementById("canned-reply");
    if (!select) { return; }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var text = option ? option.getAttribute("data-text") : null;
      if (text) {
        var box = byId("reply-text");
        box.value = text;
        box.focus();
        typed();
      }
      select.selectedIndex = 0;
    });
  }

  function startWorkspace() {
    setupReplyCheck();
    setupCannedReplies();
    var id = body.getAttribute("data-handoff-id");
    var after = body.getAttribute("data-after") || "0";
    setServerNow(body.getAttribute("data-now"));
    ["reply-form", "note-form"].forEach(function (formId) {
      var form = document.getElementById(formId);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        sendText(form);
      });
      // Ctrl+Enter (⌘+Enter on a Mac) sends what the box holds; Enter alone is a new line
      form.querySelector("textarea").addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          sendText(form);
        }
      });
    });
    byId("reply-text").addEventListener("input", typed);
    setupShortcuts();
    listen("/console/events?handoff=" + encodeURIComponent(id) + "&after=" + encodeURIComponent(after), {
      handoff: applyState,
      turns: function (data) { appendTurns(data.turns); }
    });
    tickTimers();
  }

  // ------------------------------------------------------------------ start

  // the presence switch in the header: a choice takes effect at once, no 切换 click needed
  var presence = byId("presence-select");
  if (presence) {
    byId("presence-save").hidden = true;
    presence.addEventListener("change", function () { byId("presence-form").submit(); });
  }

  var page = body.getAttribute("data-page");
  if (page === "queue") { startQueue(); }
  if (page === "supervisor") { startSupervisor(); }
  if (page === "handoff") { startWorkspace(); }
  if (document.querySelector("[data-since], [data-due]") || page === "queue" || page === "supervisor") {
    window.setInterval(tickTimers, 1000);
  }
})();

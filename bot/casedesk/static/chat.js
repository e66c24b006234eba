// The web chat page (/chat): starts rasa-webchat on Rasa's socket.io channel, shows the
// customer's notices (受理, 延期, 暂停, 决定) of the cases this chat filed, and "客服 王明 正在输入…"
// while the agent holding the conversation types a reply. A static file, not an
// inline script, so the page's Content-Security-Policy allows scripts from 'self' only.
(function () {
  "use strict";
  var box = document.getElementById("webchat");
  // Rasa's public URL when configured; by default this page's host on Rasa's port
  var socketUrl = box.getAttribute("data-socket-url") ||
    (location.protocol + "//" + location.hostname + ":" + box.getAttribute("data-rasa-port"));
  try {
    // WebChat.default(props, element) renders into the given element
    WebChat.default({
      selector: "#webchat",
      socketUrl: socketUrl,
      socketPath: "/socket.io/",
      title: "投诉受理助手",
      subtitle: "我们在认真听您说",
      inputTextFieldHint: "请描述您遇到的问题…",
      connectingText: "正在连接…",
      embedded: true,
      showFullScreenButton: false,
      // the widget's own format is English ("10:03 AM"): the time in Chinese, with the date
      // when it is not today
      showMessageDate: function (timestamp) {
        var d = new Date(timestamp), now = new Date();
        var time = d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false });
        return d.toDateString() === now.toDateString() ? time : (d.getMonth() + 1) + "月" + d.getDate() + "日 " + time;
      },
      // greets on a new session; without it the widget sends an empty message and the
      // customer's first sight is "抱歉，我没太明白"
      initPayload: "/greet",
      // localStorage, not sessionStorage: the conversation (its session id and messages)
      // survives closing the tab, so a customer who comes back finds their case and its notices
      params: { storage: "local" }
    }, box);
  } catch (e) {
    document.getElementById("offline").style.display = "block";
  }

  // ---- notices ---------------------------------------------------------------------------
  // The widget keeps its session in localStorage under "chat_session"; that session id is the
  // conversation id of the cases filed in this chat, and the only key the desk answers to.
  // The notices are kept in localStorage too, with the session they belong to: shown at once on
  // the next visit, even before (or without) the desk answering.
  var WIDGET_KEY = "chat_session", NOTICES_KEY = "casedesk_notices", POLL_MS = 30000;
  var panel = document.getElementById("notices");
  var list = document.getElementById("notice-list");
  var count = document.getElementById("notices-count");

  function read(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function sessionId() {
    var s = read(WIDGET_KEY);
    return s && typeof s.session_id === "string" ? s.session_id : null;
  }

  // the desk answers this page's own session only: its id in a POST body, never in a URL
  // (logs and proxies keep those); the answer or null
  function askDesk(path, session) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_id: session }),
      credentials: "omit",
      cache: "no-store"
    }).then(function (r) { return r.ok ? r.json() : null; });
  }

  function stored(session) {
    var kept = read(NOTICES_KEY);
    // another session's list (the widget started over) is never shown
    return kept && kept.session_id === session && Array.isArray(kept.items) ? kept.items : [];
  }

  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return ""; }
    var time = d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false });
    return d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日 " + time;
  }

  // notices that arrived unseen during this visit keep their 新 badge until the page is left
  var freshIds = {};

  function render(items, open) {
    panel.hidden = items.length === 0;
    list.textContent = "";
    var fresh = 0;
    items.slice().reverse().forEach(function (n) {  // newest first
      var li = document.createElement("li");
      var isNew = !n.seen || freshIds[n.id];
      li.className = "notice-item notice-" + n.kind + (isNew ? " notice-new" : "");
      li.setAttribute("data-kind", n.kind);
      var head = document.createElement("div");
      head.className = "notice-head";
      var title = document.createElement("strong");
      title.textContent = n.title || "投诉进展";
      head.appendChild(title);
      if (isNew) {
        fresh += 1;
        var badge = document.createElement("span");
        badge.className = "notice-badge";
        badge.textContent = "新";
        head.appendChild(badge);
      }
      var time = document.createElement("time");
      time.dateTime = n.at;
      time.textContent = when(n.at);
      head.appendChild(time);
      var text = document.createElement("p");
      var cut = n.link ? n.text.indexOf(n.link) : -1;
      if (cut >= 0) {
        // 回访: the survey's address in the text becomes a button (built from DOM nodes, never HTML)
        text.appendChild(document.createTextNode(n.text.slice(0, cut).replace(/[：:]\s*$/, "。")));
        var go = document.createElement("a");
        go.className = "notice-link";
        go.href = n.link;
        go.target = "_blank";
        go.rel = "noopener";
        go.textContent = "填写回访问卷";
        text.appendChild(go);
        var rest = n.text.slice(cut + n.link.length).replace(/^\s*[。.]\s*/, "");
        if (rest) { text.appendChild(document.createTextNode(rest)); }
      } else {
        text.textContent = n.text;
      }
      li.appendChild(head);
      li.appendChild(text);
      list.appendChild(li);
    });
    count.textContent = "（" + items.length + " 条通知" + (fresh ? "，" + fresh + " 条新通知" : "") + "）";
    // open when something new came; otherwise a line the customer can open, so the chat stays in view
    if (open) { panel.open = true; }
  }

  function save(session, items) {
    try {
      localStorage.setItem(NOTICES_KEY, JSON.stringify({ session_id: session, items: items }));
    } catch (e) { /* storage full or refused: the list is still on the page */ }
  }

  var shownSession = null;

  function refresh() {
    var session = sessionId();
    if (!session) { return; }
    var known = stored(session);
    if (shownSession !== session) {
      shownSession = session;
      render(known, false);
      // what is on the screen now has been seen: the badge stays until the next visit
      save(session, known.map(function (n) { return Object.assign({}, n, { seen: true }); }));
    }
    askDesk("/chat/notices", session).then(function (body) {
      if (!body || !Array.isArray(body.items) || sessionId() !== session) { return; }
      var seen = {};
      stored(session).forEach(function (n) { if (n.seen) { seen[n.id] = true; } });
      var items = body.items.map(function (n) {
        var item = { id: n.id, case_no: n.case_no, kind: n.kind, title: n.title, text: n.text, at: n.at, seen: !!seen[n.id] };
        if (typeof n.link === "string" && /^https?:\/\//.test(n.link)) { item.link = n.link; }  // 回访's page
        return item;
      });
      // a notice the desk no longer lists (it lists the latest 50) stays in the customer's list
      var byId = {};
      items.forEach(function (n) { byId[n.id] = true; });
      var kept = stored(session).filter(function (n) { return !byId[n.id]; });
      var all = kept.concat(items).sort(function (a, b) { return a.id - b.id; });
      var arrived = false;
      all.forEach(function (n) { if (!n.seen && !freshIds[n.id]) { freshIds[n.id] = true; arrived = true; } });
      render(all, arrived);
      save(session, all.map(function (n) { return Object.assign({}, n, { seen: true }); }));
    }).catch(function () { /* offline: the stored list stays */ });
  }

  refresh();
  // the widget confirms a new session a moment after loading; a case filed during this visit
  // gets its 受理 notice on a later poll
  setTimeout(refresh, 3000);
  setInterval(function () { if (!document.hidden) { refresh(); } }, POLL_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });

  // ---- 客服 王明 正在输入… ---------------------------------------------------------------------
  // POST /chat/typing with the same session id: whether a person holds this conversation and is
  // typing a reply. A poll, not a stream (chat.py says why): every 1.5 s only while a person
  // holds the conversation; otherwise when the widget shows a new reply (a person's greeting,
  // "您好，我是客服王明…", is one) and every 15 s as a fallback, only while the page is in view.
  var FAST_MS = 1500, SLOW_MS = 15000;
  var typingLine = document.getElementById("agent-typing");
  var typingText = document.getElementById("agent-typing-text");
  var withAgent = false, asking = false, again = false, lastAsked = 0, nextAsk = null, replies = 0;

  function showTyping(typing, name) {
    var text = typing ? (name ? "客服 " + name + " 正在输入…" : "客服正在输入…") : "";
    // the line is a live region: only a change is announced
    if (typingText.textContent !== text) { typingText.textContent = text; }
    typingLine.classList.toggle("on", typing);
  }

  function schedule(ms) {
    if (nextAsk) { clearTimeout(nextAsk); }
    nextAsk = setTimeout(askTyping, ms);
  }

  function soon() {
    if (asking) { again = true; return; }
    schedule(Math.max(0, lastAsked + FAST_MS - Date.now()));
  }

  function askTyping() {
    nextAsk = null;
    if (document.hidden) { return; }  // asked again when the page is back in view
    var session = sessionId();
    if (!session) { schedule(SLOW_MS); return; }
    asking = true;
    lastAsked = Date.now();
    askDesk("/chat/typing", session).then(function (body) {
      if (!body || sessionId() !== session) { return; }
      withAgent = body.with_agent === true;
      showTyping(body.typing === true, typeof body.agent === "string" ? body.agent : "");
    }).catch(function () { /* offline: asked again later */ }).then(function () {
      asking = false;
      schedule(withAgent || again ? FAST_MS : SLOW_MS);
      again = false;
    });
  }

  // a new reply in the widget: the one typing has sent it (the desk stopped the signal before it
  // went out), or a person has just taken the conversation over
  new MutationObserver(function () {
    var n = box.getElementsByClassName("rw-response").length;
    if (n > replies) { showTyping(false); soon(); }
    replies = n;
  }).observe(box, { childList: true, subtree: true });
  askTyping();
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { soon(); } });
})();

/* Agent console: live queue and handoff workspace over server-sent events.
 *
 * Data from the server is only ever put into the page with textContent and DOM calls, never
 * innerHTML: customer text can contain anything, including markup. This file is the only
 * script the console loads (the CSP allows no inline script).
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

  // ------------------------------------------------------------------ queue (agent home)

  function queueRow(item) {
    var tr = el("tr", item.status);
    tr.setAttribute("data-id", String(item.id));
    var status = el("td");
    status.appendChild(el("span", "badge status-" + item.status, item.status_label));
    tr.appendChild(status);
    var reason = el("td");
    reason.appendChild(el("span", "badge reason-" + item.reason, item.reason_label));
    tr.appendChild(reason);
    tr.appendChild(el("td", "", item.channel_label));
    tr.appendChild(el("td", "case-no", item.case_no));
    tr.appendChild(el("td", "", item.category_label));
    tr.appendChild(el("td", "", item.phone || "—"));
    var waited = el("td");
    var since = el("span", "since");
    since.setAttribute("data-since", item.created_at);
    waited.appendChild(since);
    tr.appendChild(waited);
    var sla = el("td");
    if (item.contacted_at) {
      sla.textContent = "已联系";
    } else {
      var due = el("span", "due");
      due.setAttribute("data-due", item.contact_due_at);
      sla.appendChild(due);
    }
    tr.appendChild(sla);
    tr.appendChild(el("td", "", item.claimed_by || "—"));
    var act = el("td");
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
    tickTimers();
  }

  function startQueue() {
    var island = document.getElementById("queue-data");
    renderQueue(JSON.parse(island.textContent || "{}"));
    listen("/console/events", { queue: renderQueue });
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
    document.querySelectorAll("[data-when]").forEach(function (node) {
      var when = node.getAttribute("data-when");
      var show = when === "open" ? state.status !== "closed" : when === state.status;
      node.hidden = !show;
    });
  }

  function showError(message) {
    var box = document.getElementById("action-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function sendText(form) {
    var area = form.querySelector("textarea");
    var text = area.value.trim();
    if (!text) { return; }
    var button = form.querySelector("button");
    button.disabled = true;
    showError("");
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ text: text })
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) {
        showError(result.data.message || "操作失败，请稍后重试。");
        return;
      }
      area.value = "";
      if (result.data.turn) { appendTurns([result.data.turn]); }
      if (result.data.turn && result.data.turn.delivery === "failed") {
        showError("发送失败：客户暂时收不到这条回复，请稍后重试。");
      }
    }).catch(function () {
      showError("网络异常，消息未发送，请重试。");
    }).then(function () { button.disabled = false; });
  }

  function startWorkspace() {
    var id = body.getAttribute("data-handoff-id");
    var after = body.getAttribute("data-after") || "0";
    setServerNow(body.getAttribute("data-now"));
    ["reply-form", "note-form"].forEach(function (formId) {
      var form = document.getElementById(formId);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        sendText(form);
      });
    });
    listen("/console/events?handoff=" + encodeURIComponent(id) + "&after=" + encodeURIComponent(after), {
      handoff: applyState,
      turns: function (data) { appendTurns(data.turns); }
    });
    tickTimers();
  }

  // ------------------------------------------------------------------ start

  var page = body.getAttribute("data-page");
  if (page === "queue") { startQueue(); }
  if (page === "handoff") { startWorkspace(); }
  if (document.querySelector("[data-since], [data-due]") || page === "queue") {
    window.setInterval(tickTimers, 1000);
  }
})();

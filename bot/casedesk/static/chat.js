// The web chat page (/chat): starts rasa-webchat on Rasa's socket.io channel. A static file,
// not an inline script, so the page's Content-Security-Policy allows scripts from 'self' only.
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
      params: { storage: "session" }
    }, box);
  } catch (e) {
    document.getElementById("offline").style.display = "block";
  }
})();

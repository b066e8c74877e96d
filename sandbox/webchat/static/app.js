// The TRT demo web chat: a Telegram private chat per person, fed by Server-Sent Events.
// Plain JavaScript, no build step, nothing loaded from outside this machine.
"use strict";

const ACTIONS = {
  typing: "печатает…", upload_photo: "отправляет фото…", upload_video: "отправляет видео…",
  upload_voice: "отправляет аудио…", record_voice: "записывает аудио…", upload_document: "отправляет файл…",
  record_video: "записывает видео…", choose_sticker: "выбирает стикер…",
};
const chats = {};          // role -> Chat
let state = null;
const adminOnly = location.pathname.replace(/\/+$/, "") === "/admin";

// ---------------------------------------------------------------------------------------------- api

async function api(path, body, isForm) {
  const options = { method: "POST" };
  if (isForm) options.body = body;
  else { options.body = JSON.stringify(body || {}); options.headers = { "Content-Type": "application/json" }; }
  const response = await fetch(path, options);
  let data = {};
  try { data = await response.json(); } catch (e) { /* not JSON */ }
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function toast(text) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 2600);
}

function alertBox(text) {
  document.getElementById("modal-text").textContent = text;
  document.getElementById("modal").hidden = false;
}

function banner(text, isError) {
  const el = document.getElementById("banner");
  if (!text) { el.hidden = true; return; }
  el.textContent = text;
  el.classList.toggle("error", !!isError);
  const close = document.createElement("button");
  close.textContent = "✕";
  close.onclick = () => { el.hidden = true; };
  el.appendChild(close);
  el.hidden = false;
}

// ------------------------------------------------------------------------------------ text rendering

const TAGS = {
  bold: ["<b>", "</b>"], italic: ["<i>", "</i>"], underline: ["<u>", "</u>"], strikethrough: ["<s>", "</s>"],
  code: ["<code>", "</code>"], spoiler: ['<span class="spoiler">', "</span>"],
  blockquote: ["<blockquote>", "</blockquote>"], expandable_blockquote: ["<blockquote>", "</blockquote>"],
};

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function tagsFor(entity, text) {
  if (TAGS[entity.type]) return TAGS[entity.type];
  const slice = text.substr(entity.offset, entity.length);
  if (entity.type === "pre") return ["<pre>", "</pre>"];
  if (entity.type === "text_link") return [`<a href="${escapeHtml(entity.url)}" target="_blank" rel="noopener">`, "</a>"];
  if (entity.type === "url") return [`<a href="${escapeHtml(slice)}" target="_blank" rel="noopener">`, "</a>"];
  if (entity.type === "bot_command") return [`<span class="command" data-command="${escapeHtml(slice)}">`, "</span>"];
  return ["", ""];
}

// Telegram entities count UTF-16 code units, which is what JavaScript string indices are.
function renderText(text, entities) {
  const opens = {}, closes = {};
  (entities || []).forEach((entity, index) => {
    const [open, close] = tagsFor(entity, text);
    if (!open) return;
    (opens[entity.offset] = opens[entity.offset] || []).push({ open, length: entity.length, index });
    (closes[entity.offset + entity.length] = closes[entity.offset + entity.length] || []).push({ close, index });
  });
  let html = "";
  for (let i = 0; i <= text.length; i++) {
    (closes[i] || []).sort((a, b) => b.index - a.index).forEach((t) => { html += t.close; });
    (opens[i] || []).sort((a, b) => b.length - a.length || a.index - b.index).forEach((t) => { html += t.open; });
    if (i < text.length) html += escapeHtml(text[i]);
  }
  return html;
}

function humanSize(bytes) {
  if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
  if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
  return bytes + " B";
}

function clock(epoch) {
  const d = new Date(epoch * 1000);
  return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
}

// ------------------------------------------------------------------------------------------ a chat

class Chat {
  constructor(role, data, root) {
    this.role = role;
    this.person = data.person;
    this.messages = new Map();
    this.el = document.getElementById("chat-template").content.firstElementChild.cloneNode(true);
    this.el.dataset.role = role;
    if (role === "admin") this.el.classList.add("operator");
    this.list = this.el.querySelector(".messages");
    this.status = this.el.querySelector(".chat-status");
    this.composer = this.el.querySelector(".composer");
    this.input = this.el.querySelector(".input");
    this.menu = this.el.querySelector(".menu-list");
    this.el.querySelector(".avatar").textContent = (state.bot.name || "T")[0];
    this.el.querySelector(".chat-name").textContent = state.bot.name + (role === "admin" ? " — оператор" : "");
    this.el.querySelector(".chat-who").innerHTML =
      `${role === "admin" ? "👮 ADMIN_ID" : "🙂 вы"}<br>${escapeHtml(this.person.name)} · id ${this.person.id}`;
    root.appendChild(this.el);
    this.wire();
    this.commands = data.commands || [];
    this.notTyping();
    data.messages.forEach((m) => this.upsert(m, false));
    this.refreshEmpty();
    this.scrollDown(true);
  }

  wire() {
    this.composer.addEventListener("submit", (event) => { event.preventDefault(); this.sendTyped(); });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); this.sendTyped(); }
    });
    this.input.addEventListener("input", () => {
      this.input.style.height = "auto";
      this.input.style.height = Math.min(this.input.scrollHeight, 140) + "px";
    });
    this.el.querySelector(".start").onclick = () => this.sendText("/start");
    const fileInput = this.el.querySelector(".file-input");
    this.el.querySelector(".attach").onclick = () => fileInput.click();
    fileInput.onchange = () => { this.upload(Array.from(fileInput.files)); fileInput.value = ""; };
    this.el.querySelector(".menu-button").onclick = () => this.toggleMenu();
    this.list.addEventListener("dragover", (e) => { e.preventDefault(); this.list.classList.add("drop-hint"); });
    this.list.addEventListener("dragleave", () => this.list.classList.remove("drop-hint"));
    this.list.addEventListener("drop", (e) => {
      e.preventDefault();
      this.list.classList.remove("drop-hint");
      this.upload(Array.from(e.dataTransfer.files));
    });
    this.list.addEventListener("click", (e) => {
      const spoiler = e.target.closest(".spoiler");
      if (spoiler) spoiler.classList.add("shown");
      const command = e.target.closest(".command");
      if (command && command.closest(".row:not(.out)")) this.sendText(command.dataset.command);
      const photo = e.target.closest("img.photo");
      if (photo) showLightbox(photo.src);
    });
  }

  toggleMenu(force) {
    const show = force === undefined ? this.menu.hidden : force;
    this.menu.innerHTML = "";
    (this.commands.length ? this.commands : [{ command: "start", description: "" }]).forEach((c) => {
      const item = document.createElement("div");
      item.innerHTML = `<b>/${escapeHtml(c.command)}</b>${escapeHtml(c.description || "")}`;
      item.onclick = () => { this.toggleMenu(false); this.sendText("/" + c.command); };
      this.menu.appendChild(item);
    });
    this.menu.hidden = !show;
  }

  async sendTyped() {
    const text = this.input.value;
    if (!text.trim()) return;
    this.input.value = "";
    this.input.style.height = "auto";
    await this.sendText(text);
  }

  async sendText(text) {
    try { await api(`/api/${this.role}/send`, { text }); } catch (e) { toast(e.message); }
  }

  async upload(files) {
    if (!files.length) return;
    const form = new FormData();
    files.forEach((f) => form.append("file", f, f.name));
    const caption = this.input.value.trim();
    if (caption) { form.append("caption", caption); this.input.value = ""; }
    try { await api(`/api/${this.role}/upload`, form, true); } catch (e) { toast(`Файл не отправлен: ${e.message}`); }
  }

  async tap(button, message, data) {
    button.classList.add("loading");
    clearTimeout(this.tapTimer);
    this.tapTimer = setTimeout(() => this.stopLoading(), 15000);
    try { await api(`/api/${this.role}/tap`, { message_id: message.message_id, data }); }
    catch (e) { this.stopLoading(); toast(e.message); }
  }

  stopLoading() {
    this.list.querySelectorAll("button.loading").forEach((b) => b.classList.remove("loading"));
  }

  async pay(button, message) {
    button.classList.add("loading");
    try { await api(`/api/${this.role}/pay`, { message_id: message.message_id }); }
    catch (e) { alertBox(e.message); }
    finally { button.classList.remove("loading"); }
  }

  typing(action) {
    this.status.textContent = ACTIONS[action] || "печатает…";
    this.status.classList.add("typing");
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.notTyping(), 5000);
  }

  notTyping() {
    clearTimeout(this.typingTimer);
    this.status.textContent = state.status === "starting" ? "запускается…" : "бот";
    this.status.classList.remove("typing");
  }

  nearBottom() { return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 120; }
  scrollDown(force) { if (force || this.stick) this.list.scrollTop = this.list.scrollHeight; }

  refreshEmpty() {
    const empty = this.messages.size === 0;
    this.composer.classList.toggle("fresh", empty && this.role !== "admin");
    this.el.querySelector(".start").hidden = !(empty && this.role !== "admin");
    let card = this.list.querySelector(".empty-card");
    if (empty && !card) {
      card = document.createElement("div");
      card.className = "empty-card";
      card.innerHTML = this.role === "admin"
        ? "<b>Чат оператора (ADMIN_ID)</b>Сюда бот присылает заявки на пополнение. Напишите /admin, чтобы открыть панель."
        : "<b>Что умеет этот бот?</b>Нейросети Kie AI в Telegram: картинки, видео, музыка. Нажмите «НАЧАТЬ».";
      this.list.appendChild(card);
    } else if (!empty && card) card.remove();
  }

  // A streamed answer being written (sendMessageDraft): one bubble at the bottom, replaced by the
  // bot's next message, with Telegram's stop button.
  draft(event) {
    this.stick = this.nearBottom();
    this.notTyping();
    let row = this.list.querySelector(":scope > .row.draft");
    if (!row) {
      row = document.createElement("div");
      row.className = "row in draft";
      row.innerHTML = '<div class="bubble"><div class="text"></div></div>';
      if (event.can_stop) {
        const stop = document.createElement("button");
        stop.type = "button";
        stop.className = "stop";
        stop.textContent = "⏹ Стоп";
        stop.onclick = () => {
          stop.disabled = true;
          api(`/api/${this.role}/stop`, {}).catch((e) => toast(e.message));
        };
        row.appendChild(stop);
      }
      this.list.appendChild(row);
    }
    row.querySelector(".text").innerHTML = event.text ? renderText(event.text, event.entities) : "Думает…";
    this.scrollDown(false);
  }

  draftStopped() {
    const stop = this.list.querySelector(":scope > .row.draft .stop");
    if (stop) { stop.disabled = true; stop.textContent = "⏹ Остановлено"; }
  }

  dropDraft() {
    const row = this.list.querySelector(":scope > .row.draft");
    if (row) row.remove();
  }

  upsert(message, live = true) {
    this.stick = this.nearBottom();
    const fromBot = message.from && message.from.id === state.bot.id;
    if (fromBot && live) this.notTyping();
    if (fromBot && live && !this.messages.has(message.message_id)) this.dropDraft();
    this.messages.set(message.message_id, message);
    const group = message.media_group_id;
    const old = this.list.querySelector(`[data-id="${message.message_id}"]`);
    const fresh = this.render(message, fromBot);
    if (old && old.closest(".album")) {
      // An album item changed (a new caption or media): swap the item, keep the album.
      const item = fresh.querySelector(".album [data-id]");
      if (item) old.replaceWith(item);
    } else if (old) {
      old.replaceWith(fresh);
    } else if (group && this.list.querySelector(`.row[data-group="${group}"]`)) {
      const row = this.list.querySelector(`.row[data-group="${group}"]`);
      row.querySelector(".album").appendChild(fresh.querySelector("[data-id]"));
      const caption = fresh.querySelector(".text");
      if (caption && !row.querySelector(".text")) row.querySelector(".bubble").appendChild(caption);
    } else {
      this.insertRow(fresh, message.message_id);
    }
    this.refreshEmpty();
    this.scrollDown(false);
  }

  insertRow(row, id) {
    const rows = Array.from(this.list.querySelectorAll(":scope > .row, :scope > .service"));
    const after = rows.find((r) => Number(r.dataset.first) > id);
    row.dataset.first = id;
    if (after) this.list.insertBefore(row, after); else this.list.appendChild(row);
  }

  remove(messageId) {
    this.messages.delete(messageId);
    const el = this.list.querySelector(`[data-id="${messageId}"]`);
    if (!el) return;
    const album = el.closest(".album");
    if (album && album.children.length > 1) el.remove();
    else (el.closest(".row") || el).remove();
    this.refreshEmpty();
  }

  render(message, fromBot) {
    if (message.successful_payment) {
      const paid = message.successful_payment;
      const service = document.createElement("div");
      service.className = "service";
      service.dataset.id = message.message_id;
      service.textContent = `Вы успешно оплатили ${paid.total_amount} ${paid.currency === "XTR" ? "⭐" : paid.currency}`;
      return service;
    }
    const row = document.createElement("div");
    row.className = "row " + (fromBot ? "in" : "out");
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    row.appendChild(bubble);
    const mediaEl = this.renderMedia(message);
    if (mediaEl) bubble.classList.add("media");
    if (message.media_group_id) {
      row.dataset.group = message.media_group_id;
      const album = document.createElement("div");
      album.className = "album";
      if (mediaEl) { mediaEl.dataset.id = message.message_id; album.appendChild(mediaEl); }
      bubble.appendChild(album);
    } else {
      row.dataset.id = message.message_id;
      if (mediaEl) bubble.appendChild(mediaEl);
    }
    const body = message.text !== undefined ? [message.text, message.entities]
      : message.caption !== undefined ? [message.caption, message.caption_entities] : null;
    const meta = `<span class="meta">${message.edit_date ? "изменено " : ""}${clock(message.edit_date || message.date)}${fromBot ? "" : " ✓✓"}</span>`;
    if (body) {
      const text = document.createElement("div");
      text.className = "text";
      text.innerHTML = renderText(body[0], body[1]) + meta;
      bubble.appendChild(text);
    } else if (!message.media_group_id) {
      bubble.insertAdjacentHTML("beforeend", meta);
    }
    const keyboard = this.renderKeyboard(message);
    if (keyboard) row.appendChild(keyboard);
    return row;
  }

  renderMedia(m) {
    const src = (fileId) => `/media/${encodeURIComponent(fileId)}`;
    if (m.photo) {
      const img = document.createElement("img");
      img.className = "photo";
      img.src = src(m.photo[m.photo.length - 1].file_id);
      img.alt = "фото";
      img.onload = () => this.scrollDown(false);
      return img;
    }
    if (m.video || m.animation || m.video_note) {
      const file = m.video || m.animation || m.video_note;
      const video = document.createElement("video");
      video.src = src(file.file_id);
      video.controls = !m.animation;
      video.preload = "metadata";
      if (m.animation) { video.autoplay = true; video.loop = true; video.muted = true; }
      return video;
    }
    if (m.audio || m.voice) {
      const file = m.audio || m.voice;
      const box = document.createElement("div");
      const title = file.title || file.file_name || (m.voice ? "Голосовое сообщение" : "Аудио");
      box.innerHTML = `<div class="doc-name">🎵 ${escapeHtml(title)}</div>`;
      const audio = document.createElement("audio");
      audio.controls = true;
      audio.preload = "metadata";
      audio.src = src(file.file_id);
      box.appendChild(audio);
      return box;
    }
    if (m.document) {
      const doc = m.document;
      const a = document.createElement("a");
      a.className = "doc";
      a.href = src(doc.file_id);
      a.download = doc.file_name || "file";
      a.innerHTML = `<span class="doc-icon">📄</span><span><div class="doc-name">${escapeHtml(doc.file_name || "Файл")}</div>` +
        `<div class="doc-size">${humanSize(doc.file_size || 0)}</div></span>`;
      return a;
    }
    if (m.sticker) {
      const s = document.createElement("div");
      s.className = "sticker";
      s.textContent = m.sticker.emoji || "🖼";
      return s;
    }
    if (m.invoice) {
      const box = document.createElement("div");
      const inv = m.invoice;
      const total = inv.currency === "XTR" ? `⭐ ${inv.total_amount}` : `${inv.total_amount / 100} ${inv.currency}`;
      box.innerHTML = `<div class="invoice-title">${escapeHtml(inv.title)}</div><div>${escapeHtml(inv.description)}</div>` +
        `<div class="invoice-total">${total}</div>`;
      box.style.padding = "4px 6px";
      return box;
    }
    return null;
  }

  renderKeyboard(message) {
    let rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
    if (message.invoice && !rows.some((r) => r.some((b) => b.pay))) {
      const inv = message.invoice;
      rows = [[{ text: `Заплатить ${inv.currency === "XTR" ? "⭐" : ""} ${inv.total_amount}`, pay: true }], ...rows];
    }
    if (!rows.length) return null;
    const kb = document.createElement("div");
    kb.className = "kb";
    rows.forEach((buttons) => {
      const row = document.createElement("div");
      row.className = "kb-row";
      buttons.forEach((b) => {
        let el;
        if (b.url) {
          el = document.createElement("a");
          el.href = b.url; el.target = "_blank"; el.rel = "noopener"; el.className = "url";
          el.title = b.url;
        } else {
          el = document.createElement("button");
          el.type = "button";
          if (b.callback_data !== undefined) el.onclick = () => this.tap(el, message, b.callback_data);
          else if (b.pay) el.onclick = () => this.pay(el, message);
          else if (b.copy_text) el.onclick = () => { navigator.clipboard.writeText(b.copy_text.text); toast("Скопировано"); };
        }
        el.textContent = b.text;
        row.appendChild(el);
      });
      kb.appendChild(row);
    });
    return kb;
  }
}

function showLightbox(src) {
  const box = document.getElementById("lightbox");
  box.innerHTML = `<img src="${src}" alt="">`;
  box.hidden = false;
}

// ------------------------------------------------------------------------------------------- events

function chatOf(chatId) {
  return Object.values(chats).find((c) => c.person.id === chatId);
}

function onEvent(event) {
  const chat = event.chat !== undefined ? chatOf(event.chat) : null;
  switch (event.type) {
    case "message": if (chat) chat.upsert(event.message); break;
    case "draft": if (chat) chat.draft(event); break;
    case "draft_stopped": if (chat) chat.draftStopped(); break;
    case "delete": if (chat) chat.remove(event.message_id); break;
    case "toast":
      if (!chat) break;
      chat.stopLoading();
      if (event.text) { if (event.alert) alertBox(event.text); else toast(event.text); }
      break;
    case "action": if (chat) chat.typing(event.action); break;
    case "commands": reloadCommands(); break;
    case "status":
      state.status = event.status;
      Object.values(chats).forEach((c) => c.notTyping());
      banner(event.status === "ok" ? "" : `Бот не отвечает: ${event.detail}. Telegram повторяет доставку…`, false);
      break;
    case "log": banner(`Ошибка в боте: ${event.text} — подробности в терминале.`, true); break;
    case "demo": document.getElementById("fail-next").checked = event.fail_next; break;
  }
}

async function reloadCommands() {
  const fresh = await (await fetch("/api/state")).json();
  Object.entries(fresh.chats).forEach(([role, data]) => { if (chats[role]) chats[role].commands = data.commands; });
}

async function boot() {
  state = await (await fetch("/api/state")).json();
  const root = document.getElementById("chats");
  root.innerHTML = "";
  Object.keys(chats).forEach((k) => delete chats[k]);
  Object.entries(state.chats).forEach(([role, data]) => { chats[role] = new Chat(role, data, root); });
  document.getElementById("fail-next").checked = state.fail_next;
  if (state.status !== "ok" && state.status !== "starting") banner(`Бот не отвечает. Telegram повторяет доставку…`);
  document.body.dataset.ready = "1";
}

// Events that arrive while the state loads are applied after it (applying one twice is harmless).
function connect() {
  const source = new EventSource("/api/events");
  let ready = false;
  const pending = [];
  source.onopen = () => {
    ready = false;
    boot().then(() => { ready = true; pending.splice(0).forEach(onEvent); });
  };
  source.onmessage = (e) => { const event = JSON.parse(e.data); if (ready) onEvent(event); else pending.push(event); };
}

document.getElementById("modal-ok").onclick = () => { document.getElementById("modal").hidden = true; };
document.getElementById("lightbox").onclick = () => { document.getElementById("lightbox").hidden = true; };
document.getElementById("fail-next").onchange = (e) => {
  api("/api/demo/fail-next", { on: e.target.checked }).catch((err) => toast(err.message));
};
document.getElementById("toggle-operator").onclick = () => {
  if (adminOnly) { location.href = "/"; return; }
  document.body.classList.toggle("no-operator");
};
if (adminOnly) document.body.classList.add("admin-only");
else if (window.innerWidth < 900) document.body.classList.add("no-operator");
document.addEventListener("click", (e) => {
  Object.values(chats).forEach((c) => {
    if (!c.menu.hidden && !e.target.closest(".menu-list") && !e.target.closest(".menu-button")) c.toggleMenu(false);
  });
});
connect();

// Starts telegram-test-api 4.2.1 on a free loopback port for BorderDesk's end-to-end tests and
// prints {"port": N} on stdout once it listens; exits when stdin closes (the test process died).
//
// A thin front corrects the emulator's measured gaps that stop a real Bot API client:
//  - getMe lacks `is_bot`, so aiogram cannot deserialize it (start_polling fails);
//  - answerCallbackQuery / editMessageReplyMarkup answer `result: null` where Telegram sends `true`;
//  - callback queries in getUpdates lack the required `chat_instance`;
//  - getUpdates never waits, so a long-polling client would spin: it waits up to 0.5 s for an update.
'use strict';

const http = require('http');
const TelegramServer = require('telegram-test-api');

const storeTimeout = Number(process.argv[2] || 60);
const LONG_POLL_MS = 500;

const server = new TelegramServer({ port: 1, host: '127.0.0.1', storeTimeout });
server.started = true;
server.cleanUpDaemon();

function json(res, body) {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function hasUnread(token) {
  return server.storage.userMessages.some((u) => u.botToken === token && !u.isRead);
}

function trueResult(data) {
  if (data.ok && data.result === null) data.result = true;
}

function completeCallbacks(data) {
  for (const update of data.result || []) {
    const query = update.callback_query;
    if (query && query.chat_instance === undefined) query.chat_instance = String(query.from.id);
  }
}

function rewritten(req, res, fix) {
  // Let express answer, then correct the JSON body.
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  const chunks = [];
  res.write = (chunk) => { chunks.push(Buffer.from(chunk)); return true; };
  res.end = (chunk) => {
    if (chunk) chunks.push(Buffer.from(chunk));
    let body = Buffer.concat(chunks).toString();
    try {
      const data = JSON.parse(body);
      fix(data);
      body = JSON.stringify(data);
    } catch (e) { /* not JSON: pass through */ }
    res.setHeader('Content-Length', Buffer.byteLength(body));
    write(body);
    return end();
  };
  server.webServer(req, res);
}

const front = http.createServer((req, res) => {
  const match = /^\/bot([^/]+)\/(\w+)/.exec(req.url || '');
  if (match && match[2] === 'getMe') {
    json(res, { ok: true, result: { id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot' } });
    return;
  }
  if (match && (match[2] === 'answerCallbackQuery' || match[2] === 'editMessageReplyMarkup')) {
    rewritten(req, res, trueResult);
    return;
  }
  if (match && match[2] === 'getUpdates') {
    const started = Date.now();
    const timer = setInterval(() => {
      if (hasUnread(match[1]) || Date.now() - started > LONG_POLL_MS) {
        clearInterval(timer);
        rewritten(req, res, completeCallbacks);
      }
    }, 10);
    return;
  }
  server.webServer(req, res);
});

front.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: front.address().port })}\n`);
});

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

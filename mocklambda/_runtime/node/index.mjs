// mocklambda's Node.js runtime: serves invocations through the Lambda Runtime API at
// AWS_LAMBDA_RUNTIME_API, loading and calling the handler as AWS's own runtime interface client
// does (aws-lambda-nodejs-runtime-interface-client: UserFunction.js, Runtime.js, CallbackContext.js,
// InvokeContext.js, LogPatch.js, Errors.js), with a small HTTP/1.1 client on node:net for its native one.
// mocklambda copies this file to the execution environment's runtime directory, shown as
// /var/runtime/index.mjs in stack traces, as on Lambda.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import util from 'node:util';

const require = createRequire(import.meta.url);
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT;
const HANDLER = process.env._HANDLER || '';
const RUNTIME = process.env.AWS_EXECUTION_ENV || '';
const NODE24_OR_LATER = (Number(/nodejs(\d+)/.exec(RUNTIME)?.[1]) || 0) >= 24;

// --- how Lambda shows this machine's paths: the package's directories as /var/task, /opt, /var/runtime
const ROOTS = new Set([path.dirname(TASK_ROOT)]);
try { ROOTS.add(path.dirname(fs.realpathSync(TASK_ROOT))); } catch { /* shown as it is */ }
const PLACES = [...ROOTS].flatMap((root) => [
  [path.join(root, 'task'), '/var/task'], [path.join(root, 'opt'), '/opt'], [path.join(root, 'runtime'), '/var/runtime'],
]);

function awsPaths(text) {
  if (typeof text !== 'string') return text;
  for (const [local, remote] of PLACES) text = text.split(local).join(remote);
  return text;
}

// --- Errors.js ------------------------------------------------------------------------------------
const runtimeErrors = {};
for (const name of ['ImportModuleError', 'HandlerNotFound', 'MalformedHandlerName', 'UserCodeSyntaxError',
  'CallbackHandlerDeprecated', 'StreamingNotSupported']) {
  runtimeErrors[name] = class extends Error {};
  runtimeErrors[name].prototype.name = name === 'StreamingNotSupported' ? `MockLambda.${name}` : `Runtime.${name}`;
}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';
class NodeJsExit extends Error {
  constructor() {
    super('The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a '
      + 'Promise that was never settled. For more information, see '
      + 'https://nodejs.org/docs/latest/api/process.html#exit-codes');
  }
}
NodeJsExit.prototype.name = 'Runtime.NodeJsExit';

function isError(value) {
  return value && typeof value.name === 'string' && typeof value.message === 'string' && value.name && value.message
    && typeof value.stack === 'string';
}

const intoError = (err) => (err instanceof Error ? err : new Error(err));

function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isError(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: awsPaths(error.message?.replaceAll('\x7F', '%7F')),
        trace: awsPaths(error.stack.replaceAll('\x7F', '%7F')).split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of '
        + 'its message, name, and stack',
    };
  }
}

function withEnumerableProperties(error) {
  if (!(error instanceof Error)) return error;
  const shown = Object.assign({ errorType: error.name, errorMessage: error.message, code: error.code }, error);
  if (typeof error.stack === 'string') shown.stack = error.stack.split('\n');
  return shown;
}

function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => withEnumerableProperties(value));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// --- LogPatch.js (Text: one line per message, its newlines as \r; JSON: one object per message) ----------
let currentRequestId;
const LEVELS = Object.freeze({ TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 });
const JSON_FORMAT = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';

const jsonErrorReplacer = (_key, value) => {
  if (value instanceof Error) {
    return Object.assign({
      errorType: value?.constructor?.name ?? 'UnknownError',
      errorMessage: value.message,
      stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
    }, value);
  }
  return value;
};

function formatJsonMessage(requestId, timestamp, level, ...messageParams) {
  const result = { timestamp, level, requestId };
  if (messageParams.length === 1) {
    result.message = messageParams[0];
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch {
      result.message = util.format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = util.format(...messageParams);
  for (const param of messageParams) {
    if (param instanceof Error) {
      result.errorType = param?.constructor?.name ?? 'UnknownError';
      result.errorMessage = param.message;
      result.stackTrace = typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(result);
}

function patchConsole() {
  const threshold = LEVELS[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
  const write = (level) => (LEVELS[level] < threshold && level !== 'FATAL') ? () => {} : (message, ...params) => {
    const time = new Date().toISOString();
    const line = JSON_FORMAT
      ? formatJsonMessage(currentRequestId, time, level, message, ...params)
      : `${time}\t${currentRequestId}\t${level}\t${util.format(message, ...params)}`;
    process.stdout.write(line.replace(/\n/g, '\r') + '\n');
  };
  console.trace = write('TRACE');
  console.debug = write('DEBUG');
  console.info = write('INFO');
  console.log = console.info;
  console.warn = write('WARN');
  console.error = write('ERROR');
  console.fatal = write('FATAL');
}

function logError(what, error) {
  if (JSON_FORMAT) console.error(intoError(error));
  else console.error(what, awsPaths(toFormatted(intoError(error))));
}

// --- RAPIDClient.js: AWS's runtime speaks to the API through its native client, one kept-alive
// connection, one request at a time; so does this small HTTP/1.1 client on node:net (Node's http
// costs about a millisecond of CPU per exchange on a small machine, this a tenth of that).
const [apiHost, apiPort] = (process.env.AWS_LAMBDA_RUNTIME_API || '').split(':');
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const HEADER_END = Buffer.from('\r\n\r\n');
const requests = [];  // [{ bytes, resolve, reject }]: the first is on the wire, the others wait for it
let socket = null;
let chunks = [];  // what arrived of the current answer
let received = 0;
let head = null;  // the current answer's status line and headers, once they are in

function call(method, apiPath, body = '', headers = {}) {
  return new Promise((resolve, reject) => {
    let lines = `${method} ${apiPath} HTTP/1.1\r\nHost: ${apiHost}:${apiPort}\r\n`;
    for (const [name, value] of Object.entries(headers)) lines += `${name}: ${value}\r\n`;
    const bytes = Buffer.concat([Buffer.from(lines + '\r\n', 'latin1'), Buffer.from(body, 'utf8')]);
    requests.push({ bytes, resolve, reject });
    if (requests.length === 1) send();
  });
}

function send() {
  if (socket === null) {
    const connection = net.connect({ host: apiHost, port: Number(apiPort) });
    connection.setNoDelay(true);
    connection.on('data', (chunk) => {
      if (connection !== socket || requests.length === 0) return;
      chunks.push(chunk);
      received += chunk.length;
      answer();
    });
    connection.on('error', (err) => ended(connection, err));
    connection.on('close', () => ended(connection, new Error('socket hang up')));
    socket = connection;
  }
  socket.ref();  // a request under way keeps the process alive; an idle connection does not (http.Agent's keepAlive)
  socket.write(requests[0].bytes);
}

function whole() {
  if (chunks.length > 1) chunks = [Buffer.concat(chunks)];
  return chunks[0] ?? Buffer.alloc(0);
}

function parseHead(text) {
  const [statusLine, ...lines] = text.split('\r\n');
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (colon > 0 && !(name in headers)) headers[name] = line.slice(colon + 1).trim();
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  return { status: Number(statusLine.split(' ')[1]), headers, length, close: headers.connection === 'close' };
}

function answer() {
  if (head === null) {
    const end = whole().indexOf(HEADER_END);
    if (end < 0) return;
    head = parseHead(whole().toString('latin1', 0, end));
    head.start = end + HEADER_END.length;
  }
  if (head.length === undefined || received < head.start + head.length) return;  // (no length: until the close)
  const bytes = whole();
  finish(bytes.toString('utf8', head.start, head.start + head.length));
}

function finish(body) {
  const { headers, close } = head;
  head = null;
  chunks = [];
  received = 0;
  if (close) {
    socket?.destroy();
    socket = null;
  }
  requests.shift().resolve({ headers, body });
  if (requests.length > 0) send();
  else socket?.unref();
}

function ended(connection, err) {
  if (connection !== socket) return;
  if (head !== null && head.length === undefined) {  // an answer delimited by the end of the connection
    socket = null;
    finish(whole().toString('utf8', head.start));
    return;
  }
  socket = null;
  head = null;
  chunks = [];
  received = 0;
  if (requests.length > 0) {
    requests.shift().reject(err);
    if (requests.length > 0) send();
  }
}

function serialize(body) {
  try {
    return JSON.stringify(body === undefined ? null : body);
  } catch {
    throw new Error('Unable to stringify response body');
  }
}

function post(apiPath, bodyString, headers, callback) {
  const sent = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(bodyString), ...headers };
  call('POST', apiPath, bodyString, sent).then(callback, (err) => {
    process.stderr.write(`mocklambda runtime: the Runtime API is gone (${err.message})\n`);
    process.exit(1);
  });
}

const errorHeader = (type) => (typeof type === 'string' && /^[\x20-\x7e]+$/.test(type) ? { [ERROR_TYPE_HEADER]: type } : {});

const client = {
  nextInvocation: () => call('GET', '/2018-06-01/runtime/invocation/next'),
  postInvocationResponse(response, id, callback) {
    post(`/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`, serialize(response), {}, callback);
  },
  postInvocationError(error, id, callback) {  // no error type header: AWS's native client sends none here
    post(`/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/error`, serialize(toRapidResponse(error)), {},
      callback);
  },
  postInitError(error, callback) {
    const response = toRapidResponse(error);
    post('/2018-06-01/runtime/init/error', serialize(response), errorHeader(response.errorType), callback);
  },
};

// --- UserFunction.js ------------------------------------------------------------------------------------
const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

function moduleRootAndHandler(fullHandlerString) {
  const handlerString = path.basename(fullHandlerString);
  return [fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString)), handlerString];
}

function splitHandlerString(handler) {
  const match = handler.match(FUNCTION_EXPR);
  if (!match || match.length !== 3) throw new runtimeErrors.MalformedHandlerName('Bad handler');
  return [match[1], match[2]];
}

const resolveHandler = (object, nested) => nested.split('.').reduce((value, key) => value && value[key], object);
const tryRequireFile = (file, extension = '') => (fs.existsSync(file + extension) ? require(file + extension) : undefined);

async function tryAwaitImport(file, extension = '') {
  return fs.existsSync(file + extension) ? await import(file + extension) : undefined;
}

function folderHasTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const packageJson = path.join(folder, '/package.json');
  if (fs.existsSync(packageJson)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(packageJson));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(`${awsPaths(packageJson)} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') return false;
  return folderHasTypeModule(path.resolve(folder, '..'));
}

const hasTypeModule = (file) => fs.existsSync(file + '.js') && folderHasTypeModule(path.resolve(path.dirname(file + '.js')));

async function tryRequire(appRoot, moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) return extensionless;
  const typeModule = hasTypeModule(lambdaStylePath);
  if (!typeModule) {
    const loaded = tryRequireFile(lambdaStylePath, '.js');
    if (loaded) return loaded;
  }
  const loaded = (typeModule && (await tryAwaitImport(lambdaStylePath, '.js')))
    || (await tryAwaitImport(lambdaStylePath, '.mjs'))
    || tryRequireFile(lambdaStylePath, '.cjs');
  if (loaded) return loaded;
  return require(require.resolve(module, { paths: [appRoot, moduleRoot] }));
}

async function loadUserApp(appRoot, moduleRoot, module) {
  globalThis.awslambda = {
    streamifyResponse: (handler) => {
      handler[HANDLER_STREAMING] = 'response';
      return handler;
    },
  };
  try {
    return await tryRequire(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) throw new runtimeErrors.UserCodeSyntaxError(e);
    if (e.code === 'MODULE_NOT_FOUND') throw new runtimeErrors.ImportModuleError(e);
    throw e;
  }
}

async function loadHandler(appRoot, fullHandlerString) {
  if (fullHandlerString.includes('..')) {
    throw new runtimeErrors.MalformedHandlerName(`'${fullHandlerString}' is not a valid handler name. Use absolute `
      + 'paths when specifying root directories in handler names.');
  }
  const [moduleRoot, moduleAndHandler] = moduleRootAndHandler(fullHandlerString);
  const [module, handlerPath] = splitHandlerString(moduleAndHandler);
  const handler = resolveHandler(await loadUserApp(appRoot, moduleRoot, module), handlerPath);
  if (!handler) throw new runtimeErrors.HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw new runtimeErrors.HandlerNotFound(`${fullHandlerString} is not a function`);
  if (handler[HANDLER_STREAMING]) {  // mocklambda's refusal: response streaming is not emulated
    throw new runtimeErrors.StreamingNotSupported('mocklambda does not run response streaming handlers '
      + '(awslambda.streamifyResponse); bind a Python callable in the test instead');
  }
  if (NODE24_OR_LATER && handler.length >= 3) {  // RIC 4's errorOnDeprecatedCallback
    throw new runtimeErrors.CallbackHandlerDeprecated('ERROR: AWS Lambda has removed support for callback-based '
      + 'function handlers starting with Node.js 24. You need to modify this function to use a supported handler '
      + 'signature to use Node.js 24 or later. For more information see '
      + 'https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.');
  }
  return handler;
}

const isAsync = (handler) => handler?.constructor?.name === 'AsyncFunction';

// --- BeforeExitListener.js --------------------------------------------------------------------------------
const NO_OP = () => {};
let beforeExitListener = NO_OP;

// --- CallbackContext.js -----------------------------------------------------------------------------------
function buildCallbackContext(id, scheduleNext) {
  const postError = (err, callback) => {
    logError('Invoke Error', err);
    client.postInvocationError(err, id, callback);
  };
  let completed = false;
  const complete = (result, callback) => {
    if (completed) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    completed = true;
    client.postInvocationResponse(result, id, callback);
  };
  let waitForEmptyEventLoop = true;
  const callback = (err, result) => {
    beforeExitListener = NO_OP;
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      beforeExitListener = () => setImmediate(() => complete(result, scheduleNext));
    }
  };
  const done = (err, result) => {
    beforeExitListener = NO_OP;
    if (err !== undefined && err !== null) postError(err, scheduleNext);
    else complete(result, scheduleNext);
  };
  let finished = false;
  const once = (fn) => (...args) => {
    if (!finished) {
      fn(...args);
      finished = true;
    }
  };
  const context = NODE24_OR_LATER ? {} : {
    get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
    set callbackWaitsForEmptyEventLoop(value) { waitForEmptyEventLoop = value; },
    succeed: once((result) => done(null, result)),
    fail: once((err) => (err === undefined || err === null ? done('handled') : done(err, null))),
    done: once(done),
  };
  const settle = {
    succeed: once((result) => done(null, result)),
    fail: once((err) => (err === undefined || err === null ? done('handled') : done(err, null))),
  };
  return [once(callback), context, settle, () => { completed = true; }];
}

// --- InvokeContext.js -------------------------------------------------------------------------------------
function parseJson(text, name) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

function attachEnvironmentData(context, headers) {
  if (headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
  const deadline = headers['lambda-runtime-deadline-ms'];
  return Object.assign(context, {
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  }, {
    clientContext: parseJson(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJson(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  });
}

// --- Runtime.js and index.mjs -----------------------------------------------------------------------------
const errorCallbacks = {
  uncaughtException: (error) => client.postInitError(error, () => process.exit(129)),
  unhandledRejection: (error) => client.postInitError(error, () => process.exit(128)),
};

function scheduleIteration(handler, handlerIsAsync) {
  setImmediate(() => handleOnce(handler, handlerIsAsync).catch((err) => {
    console.log(`Unexpected Top Level Error: ${err.toString()}`);
    errorCallbacks.uncaughtException(err);
  }));
}

async function handleOnce(handler, handlerIsAsync) {
  const { headers, body } = await client.nextInvocation();
  const id = headers['lambda-runtime-aws-request-id'];
  currentRequestId = id;
  const scheduleNext = () => scheduleIteration(handler, handlerIsAsync);
  const [callback, context, settle, markCompleted] = buildCallbackContext(id, scheduleNext);
  try {
    errorCallbacks.uncaughtException = (error) => client.postInvocationError(error, id, () => process.exit(129));
    errorCallbacks.unhandledRejection = (error) => client.postInvocationError(error, id, () => process.exit(128));
    beforeExitListener = () => {
      markCompleted();
      if (handlerIsAsync) {
        const error = new NodeJsExit();
        logError('Invoke Error', error);
        client.postInvocationError(error, id, scheduleNext);
      } else {
        client.postInvocationResponse(null, id, scheduleNext);
      }
    };
    const result = handler(JSON.parse(body), attachEnvironmentData(context, headers), callback);
    if (result && typeof result.then === 'function') result.then(settle.succeed, settle.fail).catch(settle.fail);
  } catch (err) {
    callback(err);
  }
}

async function run() {
  // as AWS's runtime writes its logs (fs.writeSync): all a handler logged is in the pipe before its
  // answer is posted, so none of it can land in the next invocation's log
  for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);
  patchConsole();
  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });
  process.on('beforeExit', () => beforeExitListener());
  const handler = await loadHandler(process.cwd(), HANDLER);
  scheduleIteration(handler, isAsync(handler));
}

await run();

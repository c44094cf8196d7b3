// A PROTOTYPE, not shipped: the package's CognitoAuth written in JavaScript over the SRP core
// (bench/probes/srp-core.patch), to measure what the "JS client over the Rust SRP core" architecture
// would weigh. Same public API and stored-record format as the package's CognitoAuth; requests,
// replies and flows follow src/client.rs, src/flow.rs and src/api/. bench/architecture.sh bundles
// and measures it; bench/probes/js-client-smoke.mjs signs in with it against the emulator.
import { SrpClient, deviceVerifier, secretHash } from './cognito_kit.js';
import { CognitoError } from './errors.js';

const fail = (code, message, extra) =>
  Object.assign(new CognitoError(message), { name: code, code, retryable: false, ...extra });
const invalid = (m) => fail('InvalidArgument', m);
const badReply = (field, m) => fail('InvalidJson', `${field}: ${m}`);
const notSignedIn = () => fail('NotSignedIn', 'no user is signed in');
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v, field, optional) => {
  if (typeof v === 'string') return v;
  if (optional && v == null) return undefined;
  throw badReply(field, 'expected a string');
};
const strMap = (v, field) => {
  if (v == null) return {};
  if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string')) throw badReply(field, 'expected a map of strings');
  return { ...v };
};
const list = (text, field) => {
  if (text == null) return [];
  let v;
  try { v = JSON.parse(text); } catch { v = 0; }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badReply(field, 'expected a JSON array of strings');
  return v;
};
const claims = (jwt) => {
  const part = typeof jwt === 'string' && jwt.split('.')[1];
  try {
    const b = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const c = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(b, (ch) => ch.charCodeAt(0))));
    if (isObj(c)) return c;
  } catch {}
  throw fail('MalformedToken', 'not a JWT with a JSON payload');
};
const num = (v) => (Number.isFinite(v) ? Math.trunc(v) : undefined);
const nowS = () => Math.floor(Date.now() / 1000);
const RETRY = /^(TooManyRequestsException|ThrottlingException|InternalErrorException|LimitExceededException|ServiceUnavailable)$/;
const MFA = { SMS_MFA: 'SMS', SOFTWARE_TOKEN_MFA: 'TOTP', EMAIL_OTP: 'EMAIL' };
const MFA_BACK = { SMS: 'SMS_MFA', TOTP: 'SOFTWARE_TOKEN_MFA', EMAIL: 'EMAIL_OTP' };
const CODE_KEY = { SMS_MFA: 'SMS_MFA_CODE', SMS_OTP: 'SMS_OTP_CODE', SOFTWARE_TOKEN_MFA: 'SOFTWARE_TOKEN_MFA_CODE', EMAIL_OTP: 'EMAIL_OTP_CODE' };
const delivery = (d) => d && { destination: d.Destination, deliveryMedium: d.DeliveryMedium, attributeName: d.AttributeName };
const setting = (v) => v && { Enabled: v !== 'DISABLED', PreferredMfa: v === 'PREFERRED' };

function memory() {
  const m = new Map();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}
function webStorage(name) {
  try {
    const s = globalThis[name];
    s.setItem('cognito-kit.probe', '1');
    s.removeItem('cognito-kit.probe');
    return s;
  } catch {
    return memory();
  }
}

export class CognitoAuth {
  #o; #s; #endpoint; #pool; #prefix; #pending = null; #flight = null; #listeners = new Set();

  constructor(options) {
    const { userPoolId, clientId, storage = 'local' } = options ?? {};
    if (typeof userPoolId !== 'string' || typeof clientId !== 'string') throw invalid('userPoolId and clientId are required (strings)');
    const [region, pool] = userPoolId.split('_');
    if (!region || !pool) throw invalid('userPoolId must look like us-east-1_AbCdEf123');
    this.#o = options;
    this.#pool = pool;
    this.#endpoint = options.endpoint ?? `https://cognito-idp.${region}.amazonaws.com/`;
    this.#prefix = `cognito-kit.${userPoolId}.${clientId}.`;
    this.#s = storage === 'memory' ? memory() : storage === 'local' ? webStorage('localStorage')
      : storage === 'session' ? webStorage('sessionStorage') : storage;
    if (!this.#s || typeof this.#s.getItem !== 'function') throw invalid('storage must be local, session, memory or a storage object');
  }

  on(event, listener) {
    const entry = [event, listener];
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }
  #emit(event, error) {
    for (const [e, l] of [...this.#listeners]) if (e === event) l(error);
  }

  // ------------------------------------------------------------------ transport
  async #send(op, body) {
    const ms = this.#o.timeoutMs ?? 30000;
    const ctl = new AbortController();
    const timer = ms > 0 && setTimeout(() => ctl.abort(), ms);
    let res, text;
    try {
      res = await fetch(this.#endpoint, {
        method: 'POST', cache: 'no-store', signal: ctl.signal, body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `AWSCognitoIdentityProviderService.${op}` },
      });
      text = await res.text();
    } catch (e) {
      throw ctl.signal.aborted ? fail('TimeoutError', `${op}: no reply within ${ms} ms`, { retryable: true })
        : fail('NetworkError', `${op}: ${e?.message}`, { retryable: true });
    } finally {
      clearTimeout(timer);
    }
    let json;
    try { json = JSON.parse(text.trim() || '{}'); } catch {}
    const status = res.status;
    if (res.ok) {
      if (isObj(json)) return json;
      throw fail('NotJsonReply', `${op}: HTTP ${status}, not a JSON object`, { status });
    }
    const type = (res.headers.get('x-amzn-errortype') || (isObj(json) && json.__type) || '').split(':')[0].split('#').pop();
    if (!type) throw fail('NotJsonReply', `${op}: HTTP ${status} without an error type`, { status, retryable: status >= 500 || status === 429 });
    const message = isObj(json) && (json.message ?? json.Message);
    throw fail(type, typeof message === 'string' ? message : type, { status, retryable: status >= 500 || RETRY.test(type) });
  }

  async #call(op, body, idempotent) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#send(op, body);
      } catch (e) {
        if (!idempotent || !e.retryable || attempt >= 2) throw e;
        const base = 200 << attempt;
        await new Promise((r) => setTimeout(r, base / 2 + Math.random() * base));
      }
    }
  }

  #hash(params, username) {
    if (this.#o.clientSecret) params.SECRET_HASH = secretHash(this.#o.clientSecret, username, this.#o.clientId);
    return params;
  }
  #client(extra) {
    const body = { ClientId: this.#o.clientId, ...extra };
    if (this.#o.clientSecret && extra.Username) body.SecretHash = secretHash(this.#o.clientSecret, extra.Username, this.#o.clientId);
    return body;
  }

  // ------------------------------------------------------------------ storage
  async #load(key) {
    const text = await this.#s.getItem(this.#prefix + key);
    if (text == null) return null;
    try { const v = JSON.parse(text); return isObj(v) ? v : null; } catch { return null; }
  }
  #save(key, value) {
    return this.#s.setItem(this.#prefix + key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  async #record() {
    const user = await this.#s.getItem(this.#prefix + 'lastAuthUser');
    const r = user != null && (await this.#load(`${user}.tokens`));
    if (!r || typeof r.access_token !== 'string' || typeof r.id_token !== 'string') throw notSignedIn();
    return r;
  }

  // ------------------------------------------------------------------ sign-in
  async signIn({ username, password, authFlow = 'USER_SRP_AUTH' } = {}) {
    if (typeof username !== 'string' || !username) throw invalid('username is required (a string)');
    if (authFlow === 'CUSTOM_AUTH') authFlow = 'CUSTOM_WITHOUT_SRP';
    if (!/^(USER_SRP_AUTH|USER_PASSWORD_AUTH|CUSTOM_WITH_SRP|CUSTOM_WITHOUT_SRP)$/.test(authFlow)) throw invalid(`unknown authFlow "${authFlow}"`);
    if (authFlow !== 'CUSTOM_WITHOUT_SRP' && (typeof password !== 'string' || !password)) throw invalid('password is empty');
    this.#pending = null;
    const device = await this.#load(`${username}.device`);
    return this.#start({ username, password, flow: authFlow, device: device?.remembered ? device : null });
  }

  async #start(a) {
    const p = { USERNAME: a.username };
    let flow = a.flow;
    if (flow === 'USER_SRP_AUTH' || flow === 'CUSTOM_WITH_SRP') {
      a.srp = new SrpClient();
      p.SRP_A = a.srp.srpA;
      if (flow === 'CUSTOM_WITH_SRP') p.CHALLENGE_NAME = 'SRP_A';
    } else if (flow === 'USER_PASSWORD_AUTH') p.PASSWORD = a.password;
    if (flow.startsWith('CUSTOM')) flow = 'CUSTOM_AUTH';
    if (a.device) p.DEVICE_KEY = a.device.device_key;
    let reply;
    try {
      reply = await this.#call('InitiateAuth', { AuthFlow: flow, ClientId: this.#o.clientId, AuthParameters: this.#hash(p, a.username) });
    } catch (e) {
      return this.#stepOrThrow(e);
    }
    return this.#advance(a, reply);
  }

  #stepOrThrow(e) {
    if (e.code === 'UserNotConfirmedException') return { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_UP' } };
    if (e.code === 'PasswordResetRequiredException') return { isSignedIn: false, nextStep: { signInStep: 'RESET_PASSWORD' } };
    throw e;
  }

  #respond(name, responses, session) {
    return this.#call('RespondToAuthChallenge', { ChallengeName: name, ClientId: this.#o.clientId, ChallengeResponses: responses, Session: session });
  }

  async #advance(a, reply) {
    for (;;) {
      if (reply.AuthenticationResult != null) {
        await this.#finish(a.username, reply.AuthenticationResult);
        return { isSignedIn: true, nextStep: { signInStep: 'DONE' } };
      }
      const name = str(reply.ChallengeName, 'ChallengeName');
      const params = strMap(reply.ChallengeParameters, 'ChallengeParameters');
      const session = str(reply.Session, 'Session', true);
      const user = params.USERNAME ?? a.username;
      let r;
      if (name === 'PASSWORD_VERIFIER') {
        if (!a.srp) throw fail('InvalidState', 'PASSWORD_VERIFIER without an SRP sign-in in progress');
        r = a.srp.answerPasswordVerifier(this.#pool, a.password, params);
        if (a.device) r.DEVICE_KEY = a.device.device_key;
      } else if (name === 'DEVICE_SRP_AUTH') {
        if (!a.device) throw fail('InvalidState', 'DEVICE_SRP_AUTH without a remembered device');
        a.deviceSrp = new SrpClient();
        r = { USERNAME: user, DEVICE_KEY: a.device.device_key, SRP_A: a.deviceSrp.srpA };
      } else if (name === 'DEVICE_PASSWORD_VERIFIER') {
        if (!a.deviceSrp) throw fail('InvalidState', 'DEVICE_PASSWORD_VERIFIER without device SRP in progress');
        const d = a.device;
        r = a.deviceSrp.answerDevicePasswordVerifier(d.device_group_key, d.device_key, d.device_password, params);
      } else {
        return this.#wait(a, name, params, session, user);
      }
      try {
        reply = await this.#respond(name, this.#hash(r, r.USERNAME), session);
      } catch (e) {
        if (a.device && e.code === 'ResourceNotFoundException' && /device/i.test(e.message)) {
          await this.#s.removeItem(`${this.#prefix}${a.username}.device`);
          return this.#start({ ...a, device: null, srp: null, deviceSrp: null });
        }
        return this.#stepOrThrow(e);
      }
    }
  }

  async #wait(a, name, params, session, user) {
    const to = { destination: params.CODE_DELIVERY_DESTINATION, deliveryMedium: params.CODE_DELIVERY_DELIVERY_MEDIUM };
    let step;
    if (name === 'SMS_MFA' || name === 'SMS_OTP') step = { signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE', codeDeliveryDetails: to };
    else if (name === 'SOFTWARE_TOKEN_MFA') step = { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' };
    else if (name === 'EMAIL_OTP') step = { signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', codeDeliveryDetails: to };
    else if (name === 'SELECT_MFA_TYPE') {
      step = { signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION', allowedMFATypes: list(params.MFAS_CAN_CHOOSE, 'MFAS_CAN_CHOOSE').map((m) => MFA[m] ?? m) };
    } else if (name === 'MFA_SETUP') {
      const can = list(params.MFAS_CAN_SETUP, 'MFAS_CAN_SETUP');
      if (can.length && !can.includes('SOFTWARE_TOKEN_MFA')) throw fail('UnexpectedChallenge', `the kit can set up an authenticator app, not ${can}`);
      const t = await this.#call('AssociateSoftwareToken', { Session: session });
      const secret = str(t.SecretCode, 'SecretCode');
      session = str(t.Session, 'Session', true) ?? session;
      step = { signInStep: 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP', totpSetupDetails: { sharedSecret: secret, setupUri: otpauth(this.#pool, a.username, secret) } };
    } else if (name === 'NEW_PASSWORD_REQUIRED') {
      step = { signInStep: 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED', missingAttributes: list(params.requiredAttributes, 'requiredAttributes').map((x) => x.replace(/^userAttributes\./, '')) };
    } else if (name === 'CUSTOM_CHALLENGE') step = { signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', additionalInfo: params };
    else if (name === 'SELECT_CHALLENGE') step = { signInStep: 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION', availableChallenges: list(params.AVAILABLE_CHALLENGES, 'AVAILABLE_CHALLENGES') };
    else throw fail('UnexpectedChallenge', `${name} cannot be answered here`);
    this.#pending = { a, name, session, user, options: step.allowedMFATypes };
    return { isSignedIn: false, nextStep: step };
  }

  async confirmSignIn({ challengeResponse, userAttributes } = {}) {
    const p = this.#pending;
    if (!p) throw fail('InvalidState', 'no sign-in is waiting for an answer');
    if (typeof challengeResponse !== 'string') throw invalid('challengeResponse is required (a string)');
    this.#pending = null;
    const r = { USERNAME: p.user };
    let reply;
    try {
      if (p.name === 'MFA_SETUP') {
        const v = await this.#call('VerifySoftwareToken', { Session: p.session, UserCode: challengeResponse });
        reply = await this.#respond('MFA_SETUP', this.#hash(r, p.user), str(v.Session, 'Session', true) ?? p.session);
      } else {
        if (CODE_KEY[p.name]) r[CODE_KEY[p.name]] = challengeResponse;
        else if (p.name === 'SELECT_MFA_TYPE') {
          if (p.options.length && !p.options.includes(challengeResponse)) {
            this.#pending = p;
            throw invalid(`"${challengeResponse}" is not one of the offered MFA types`);
          }
          r.ANSWER = MFA_BACK[challengeResponse] ?? challengeResponse;
        } else if (p.name === 'NEW_PASSWORD_REQUIRED') {
          r.NEW_PASSWORD = challengeResponse;
          for (const [k, v] of Object.entries(userAttributes ?? {})) r[`userAttributes.${k}`] = String(v);
        } else r.ANSWER = challengeResponse;
        reply = await this.#respond(p.name, this.#hash(r, p.user), p.session);
      }
    } catch (e) {
      if (e.code === 'CodeMismatchException' || e.code === 'EnableSoftwareTokenMFAException' || e.code === 'InvalidArgument') this.#pending = p;
      throw e;
    }
    return this.#advance({ ...p.a, srp: null, deviceSrp: null }, reply);
  }

  async #finish(typed, result) {
    const idToken = str(result.IdToken, 'IdToken'), accessToken = str(result.AccessToken, 'AccessToken');
    const id = claims(idToken), access = claims(accessToken);
    const username = typeof id['cognito:username'] === 'string' ? id['cognito:username'] : typed;
    const record = {
      username, signed_in_as: typed, id_token: idToken, access_token: accessToken,
      refresh_token: str(result.RefreshToken, 'RefreshToken', true),
      clock_drift: nowS() - (num(access.iat) ?? nowS()),
    };
    await this.#save(`${username}.tokens`, record);
    await this.#save('lastAuthUser', username);
    const meta = result.NewDeviceMetadata;
    if (isObj(meta)) {
      try {
        const key = str(meta.DeviceKey, 'DeviceKey'), group = str(meta.DeviceGroupKey, 'DeviceGroupKey');
        const v = deviceVerifier(group, key);
        const c = await this.#call('ConfirmDevice', {
          AccessToken: accessToken, DeviceKey: key, DeviceName: this.#o.deviceName,
          DeviceSecretVerifierConfig: { PasswordVerifier: v.passwordVerifier, Salt: v.salt },
        });
        await this.#save(`${typed}.device`, { device_key: key, device_group_key: group, device_password: v.password, remembered: !c.UserConfirmationNecessary });
      } catch {}
    }
    this.#emit('signedIn');
  }

  // ------------------------------------------------------------------ session
  #expiring(r) {
    const limit = nowS() + (this.#o.refreshMarginSeconds ?? 60) - (r.clock_drift | 0);
    return [r.access_token, r.id_token].some((t) => (num(claims(t).exp) ?? Infinity) <= limit);
  }
  #session(r) {
    return { username: r.username, idToken: r.id_token, accessToken: r.access_token, expiresAt: num(claims(r.access_token).exp) ?? 0, idTokenClaims: claims(r.id_token) };
  }

  async getSession() {
    const r = await this.#record();
    return this.#expiring(r) ? this.#refresh(false) : this.#session(r);
  }
  refreshSession() {
    return this.#refresh(true);
  }
  #refresh(force) {
    const run = async () => {
      const r = await this.#record();
      return !force && !this.#expiring(r) ? this.#session(r) : this.#refreshOnce(r);
    };
    const locks = globalThis.navigator?.locks;
    this.#flight ??= (locks ? locks.request(`cognito-kit.refresh.${this.#prefix}`, run) : run()).finally(() => (this.#flight = null));
    return this.#flight;
  }
  async #refreshOnce(r) {
    if (!r.refresh_token) throw notSignedIn();
    const device = await this.#load(`${r.signed_in_as}.device`);
    let result;
    try {
      if (this.#o.refreshTokenRotation) {
        result = (await this.#call('GetTokensFromRefreshToken', { RefreshToken: r.refresh_token, ClientId: this.#o.clientId, ClientSecret: this.#o.clientSecret, DeviceKey: device?.device_key }, true)).AuthenticationResult;
      } else {
        const p = { REFRESH_TOKEN: r.refresh_token };
        if (device) p.DEVICE_KEY = device.device_key;
        result = (await this.#call('InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: this.#o.clientId, AuthParameters: this.#hash(p, r.username) }, true)).AuthenticationResult;
      }
      if (!isObj(result)) throw fail('UnexpectedResponse', 'AuthenticationResult absent from a refresh reply');
    } catch (e) {
      this.#emit('tokenRefreshFailure', e);
      if (e.code === 'NotAuthorizedException') await this.#end(r.username);
      throw e;
    }
    const accessToken = str(result.AccessToken, 'AccessToken');
    const updated = {
      ...r, access_token: accessToken,
      id_token: str(result.IdToken, 'IdToken', true) ?? r.id_token,
      refresh_token: str(result.RefreshToken, 'RefreshToken', true) ?? r.refresh_token,
      clock_drift: nowS() - (num(claims(accessToken).iat) ?? nowS()),
    };
    await this.#save(`${r.username}.tokens`, updated);
    this.#emit('tokenRefresh');
    return this.#session(updated);
  }
  async #end(username) {
    await this.#s.removeItem(`${this.#prefix}${username}.tokens`);
    await this.#s.removeItem(`${this.#prefix}lastAuthUser`);
    this.#emit('signedOut');
  }

  async signOut({ global = false } = {}) {
    this.#pending = null;
    let r;
    try { r = await this.#record(); } catch { return; }
    try {
      if (global) await this.#call('GlobalSignOut', { AccessToken: r.access_token });
      else if (r.refresh_token) await this.#call('RevokeToken', { Token: r.refresh_token, ClientId: this.#o.clientId, ClientSecret: this.#o.clientSecret });
    } catch (e) {
      if (global) throw e;
    }
    await this.#end(r.username);
  }

  async #token() {
    return (await this.getSession()).accessToken;
  }
  async #authed(op, body, idempotent) {
    return this.#call(op, { AccessToken: await this.#token(), ...body }, idempotent);
  }

  // ------------------------------------------------------------------ sign-up and passwords
  async signUp({ username, password, userAttributes = {} }) {
    const r = await this.#call('SignUp', this.#client({ Username: username, Password: password, UserAttributes: attrs(userAttributes) }));
    return {
      isSignUpComplete: r.UserConfirmed === true, userId: str(r.UserSub, 'UserSub', true),
      nextStep: { signUpStep: r.UserConfirmed === true ? 'DONE' : 'CONFIRM_SIGN_UP', codeDeliveryDetails: delivery(r.CodeDeliveryDetails) },
    };
  }
  async confirmSignUp({ username, confirmationCode }) {
    await this.#call('ConfirmSignUp', this.#client({ Username: username, ConfirmationCode: confirmationCode }));
    return { isSignUpComplete: true, nextStep: { signUpStep: 'DONE' } };
  }
  async resendSignUpCode({ username }) {
    return delivery((await this.#call('ResendConfirmationCode', this.#client({ Username: username }))).CodeDeliveryDetails);
  }
  async forgotPassword({ username }) {
    const r = await this.#call('ForgotPassword', this.#client({ Username: username }));
    return { nextStep: { resetPasswordStep: 'CONFIRM_RESET_PASSWORD_WITH_CODE', codeDeliveryDetails: delivery(r.CodeDeliveryDetails) } };
  }
  async confirmForgotPassword({ username, confirmationCode, newPassword }) {
    await this.#call('ConfirmForgotPassword', this.#client({ Username: username, ConfirmationCode: confirmationCode, Password: newPassword }));
  }
  async changePassword({ oldPassword, newPassword }) {
    await this.#authed('ChangePassword', { PreviousPassword: oldPassword, ProposedPassword: newPassword });
  }

  // ------------------------------------------------------------------ the user
  async getUser() {
    const r = await this.#authed('GetUser', {}, true);
    return {
      username: str(r.Username, 'Username'),
      attributes: Object.fromEntries((r.UserAttributes ?? []).map((a) => [str(a.Name, 'Name'), str(a.Value, 'Value')])),
      preferredMfa: MFA[r.PreferredMfaSetting], enabledMfa: (r.UserMFASettingList ?? []).map((m) => MFA[m] ?? m),
    };
  }
  async updateUserAttributes({ userAttributes }) {
    return ((await this.#authed('UpdateUserAttributes', { UserAttributes: attrs(userAttributes) })).CodeDeliveryDetailsList ?? []).map(delivery);
  }
  async verifyUserAttribute({ userAttributeKey, confirmationCode }) {
    await this.#authed('VerifyUserAttribute', { AttributeName: userAttributeKey, Code: confirmationCode });
  }
  async sendUserAttributeVerificationCode({ userAttributeKey }) {
    return delivery((await this.#authed('GetUserAttributeVerificationCode', { AttributeName: userAttributeKey })).CodeDeliveryDetails);
  }
  async deleteUserAttributes({ userAttributeKeys }) {
    await this.#authed('DeleteUserAttributes', { UserAttributeNames: userAttributeKeys });
  }
  async deleteUser() {
    const r = await this.#record();
    await this.#authed('DeleteUser', {});
    await this.#end(r.username);
  }
  async setUpTotp({ issuer } = {}) {
    const r = await this.#authed('AssociateSoftwareToken', {});
    const secret = str(r.SecretCode, 'SecretCode');
    return { sharedSecret: secret, setupUri: otpauth(issuer ?? this.#pool, (await this.#record()).username, secret) };
  }
  async verifyTotpSetup({ code, friendlyDeviceName }) {
    const r = await this.#authed('VerifySoftwareToken', { UserCode: code, FriendlyDeviceName: friendlyDeviceName });
    if (r.Status !== undefined && r.Status !== 'SUCCESS') throw fail('EnableSoftwareTokenMFAException', 'the code was not accepted');
  }
  async setMfaPreference({ totp, sms, email } = {}) {
    await this.#authed('SetUserMFAPreference', { SoftwareTokenMfaSettings: setting(totp), SMSMfaSettings: setting(sms), EmailMfaSettings: setting(email) });
  }

  // ------------------------------------------------------------------ devices
  async #deviceKey(key) {
    if (key) return key;
    const d = await this.#load(`${(await this.#record()).signed_in_as}.device`);
    if (!d) throw fail('InvalidState', 'this device is not remembered');
    return d.device_key;
  }
  async rememberDevice() {
    const key = `${(await this.#record()).signed_in_as}.device`;
    const d = await this.#load(key);
    if (!d) throw fail('InvalidState', 'this sign-in has no device to remember');
    await this.#authed('UpdateDeviceStatus', { DeviceKey: d.device_key, DeviceRememberedStatus: 'remembered' });
    await this.#save(key, { ...d, remembered: true });
  }
  async forgetDevice({ deviceKey } = {}) {
    const key = await this.#deviceKey(deviceKey);
    await this.#authed('ForgetDevice', { DeviceKey: key });
    const mine = `${(await this.#record()).signed_in_as}.device`;
    if ((await this.#load(mine))?.device_key === key) await this.#s.removeItem(this.#prefix + mine);
  }
  async listDevices() {
    return ((await this.#authed('ListDevices', { Limit: 60 }, true)).Devices ?? []).map(device);
  }
  async getDevice({ deviceKey } = {}) {
    return device((await this.#authed('GetDevice', { DeviceKey: await this.#deviceKey(deviceKey) }, true)).Device);
  }
}

function attrs(map) {
  return Object.entries(map).map(([Name, Value]) => ({ Name, Value: String(Value) }));
}
function otpauth(issuer, account, secret) {
  const e = encodeURIComponent;
  return `otpauth://totp/${e(issuer)}:${e(account)}?secret=${secret}&issuer=${e(issuer)}`;
}
function device(d) {
  if (!isObj(d)) throw badReply('Device', 'expected an object');
  const attributes = Object.fromEntries((d.DeviceAttributes ?? []).map((a) => [str(a.Name, 'Name'), str(a.Value, 'Value')]));
  const date = (s) => (typeof s === 'number' ? new Date(s * 1000) : undefined);
  return {
    id: str(d.DeviceKey, 'DeviceKey'), name: attributes.device_name, attributes,
    createDate: date(d.DeviceCreateDate), lastModifiedDate: date(d.DeviceLastModifiedDate), lastAuthenticatedDate: date(d.DeviceLastAuthenticatedDate),
  };
}

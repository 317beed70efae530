import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../sync-server/mail/mail-queue.ts';
import { smtpHostOnly } from '../../sync-server/mail/transports.ts';
import { groupJoined } from '../../sync-server/mail/group-mail.ts';
import { addressInUse, connectionRequest, escapeHtml, experimentUrl, shareNotification, verificationCode } from '../../sync-server/mail/templates.ts';

const evil = '<script>alert("x")</script>';

describe('share notification', () => {
  it('names the sharer and the experiment in the subject, and links it in text and html', () => {
    const mail = shareNotification({
      publicUrl: 'https://cyto.example.org/',
      sharer: { username: 'alice', email: 'alice@example.org' },
      experiments: [{ id: 'exp-1', name: 'T cell panel' }],
    });
    expect(mail.subject).toBe('alice shared “T cell panel” with you');
    expect(mail.text).toContain('alice (alice@example.org) shared an experiment with you');
    expect(mail.text).toContain('https://cyto.example.org/experiments/exp-1');
    expect(mail.html).toContain('href="https://cyto.example.org/experiments/exp-1"');
    expect(mail.html).toContain('>T cell panel</a>');
  });

  it('counts several experiments in the subject and links each one', () => {
    const mail = shareNotification({
      publicUrl: 'https://cyto.example.org',
      sharer: { username: 'alice' },
      experiments: [
        { id: 'a', name: 'One' },
        { id: 'b', name: 'Two' },
        { id: 'c', name: '' },
      ],
    });
    expect(mail.subject).toBe('alice shared 3 experiments with you');
    for (const id of ['a', 'b', 'c']) {
      expect(mail.text).toContain(`https://cyto.example.org/experiments/${id}`);
      expect(mail.html).toContain(`href="https://cyto.example.org/experiments/${id}"`);
    }
    expect(mail.text).toContain('Untitled experiment');
  });

  it('escapes every user-supplied value in html and keeps the subject on one line', () => {
    const mail = shareNotification({
      publicUrl: 'https://cyto.example.org',
      sharer: { username: evil, email: `"><img src=x onerror=1>@example.org` },
      experiments: [{ id: 'x"onmouseover="1', name: `${evil}\r\nBcc: victim@example.org` }],
    });
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(mail.html).not.toMatch(/href="[^"]*"onmouseover/);
    expect(mail.html).toContain(`href="${experimentUrl('https://cyto.example.org', 'x"onmouseover="1')}"`);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).toContain(evil); // plain text is not markup: shown as typed
  });
});

describe('group newcomer digest', () => {
  it('names the group and what it opened, counts the rest, escapes names and keeps the subject on one line', () => {
    const mail = groupJoined({
      publicUrl: 'https://cyto.example.org',
      owner: { username: 'alice' },
      group: `${evil}\r\nBcc: victim@example.org`,
      experiments: [{ id: 'a', name: evil }, { id: 'b', name: '' }],
      more: 3,
    });
    expect(mail.subject).toMatch(/^alice added you to the group “.*”: 5 experiments shared with you$/);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).toContain('5 experiments shared with the group are now open to you');
    expect(mail.text).toContain('…and 3 more.');
    expect(mail.text).toContain('Untitled experiment');
    expect(mail.html).not.toContain('<script');
    expect(mail.html).toContain('href="https://cyto.example.org/experiments/a"');
    const one = groupJoined({ publicUrl: 'https://cyto.example.org', owner: { username: 'alice' }, group: 'lab', experiments: [{ id: 'a', name: 'Panel' }], more: 0 });
    expect(one.subject).toBe('alice added you to the group “lab”: 1 experiment shared with you');
    expect(one.text).not.toContain('more.');
  });
});

describe('connection request', () => {
  const urls = { acceptUrl: 'https://cyto.example.org/connect/accept?t=AAA&x=1', rejectUrl: 'https://cyto.example.org/connect/reject?t=BBB' };

  it('says who asks, with both links in text and html', () => {
    const mail = connectionRequest({ fromUser: 'bob', fromEmail: 'bob@lab.example', ...urls });
    expect(mail.subject).toBe('bob would like to connect with you on Cytoshare');
    expect(mail.text).toContain('bob (bob@lab.example)');
    expect(mail.text).toContain(`Accept: ${urls.acceptUrl}`);
    expect(mail.text).toContain(`Reject: ${urls.rejectUrl}`);
    expect(mail.html).toContain(`href="${escapeHtml(urls.acceptUrl)}"`);
    expect(mail.html).toContain('href="https://cyto.example.org/connect/accept?t=AAA&amp;x=1"');
    expect(mail.html).toContain(`href="${urls.rejectUrl}"`);
  });

  it('escapes the sender in html and flattens the subject', () => {
    const mail = connectionRequest({ fromUser: `${evil}\nX-Evil: 1`, fromEmail: `${evil}@example.org`, ...urls });
    expect(mail.html).not.toContain('<script');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });
});

describe('retry backoff', () => {
  it.each([
    [0, 50],
    [1, 100],
    [2, 200],
    [3, 200],
    [1000, 200],
  ])('after %i earlier attempts waits %i ms (base 50, max 200)', (attempts, ms) => {
    expect(retryDelay(attempts, { baseMs: 50, maxMs: 200 })).toBe(ms);
  });
});

describe('SMTP URL in logs', () => {
  it.each([
    ['smtps://user:p%40ss@mail.example.org:465', 'smtps://mail.example.org:465'],
    ['smtp://127.0.0.1:2525', 'smtp://127.0.0.1:2525'],
    ['not a url with secret', '(unparsable SMTP URL)'],
  ])('%s is logged as %s', (url, shown) => {
    expect(smtpHostOnly(url)).toBe(shown);
  });
});

describe('address proof mail', () => {
  it('carries the code and the confirm link in text and html, with nothing from the user unescaped', () => {
    const mail = verificationCode({ username: 'eve', email: 'a"b@example.org', code: 'ABCDE-FGHJK', confirmUrl: 'https://cyto.example.org/verify?token=t&x', change: false });
    expect(mail.subject).toBe('Confirm your Cytoshare address');
    expect(mail.subject).not.toContain('ABCDE');
    expect(mail.text).toContain('cytoshare verify ABCDE-FGHJK');
    expect(mail.text).toContain('Or open this link and press Confirm: https://cyto.example.org/verify?token=t&x');
    expect(mail.html).toContain('href="https://cyto.example.org/verify?token=t&amp;x"');
    expect(mail.html).toContain('a&quot;b@example.org');
    expect(mail.html).not.toContain('a"b@example.org');
  });

  it('leaves the link out when the public URL is unknown, and a taken address gets a notice without any code', () => {
    expect(verificationCode({ username: 'finn', email: 'f@example.org', code: 'ABCDE-FGHJK', change: true }).text).not.toContain('http');
    const notice = addressInUse({ email: 'alice@example.org', username: 'alice', asker: 'mallory' });
    expect(notice.text).toContain('already belongs to your account alice');
    expect(notice.text).not.toMatch(/verify/);
  });
});

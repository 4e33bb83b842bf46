/**
 * A verdict heard and felt, for staff who are looking at the guest rather than the phone: one high
 * beep and a short buzz to let in, two low beeps and a long buzz to refuse. WebAudio needs a user
 * gesture before it may sound, so the context is made on the first tap or key.
 */
let audio: AudioContext | undefined;

export function unlockSound(): void {
  if (audio) return;
  try {
    audio = new AudioContext();
  } catch {
    audio = undefined;
  }
}

function beep(context: AudioContext, frequency: number, startsIn: number, seconds: number): void {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = "square";
  oscillator.frequency.value = frequency;
  const start = context.currentTime + startsIn;
  gain.gain.setValueAtTime(0.2, start);
  gain.gain.exponentialRampToValueAtTime(0.001, start + seconds);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start(start);
  oscillator.stop(start + seconds);
}

export function signal(admit: boolean): void {
  try {
    if (audio && audio.state === "suspended") void audio.resume();
    if (audio) {
      if (admit) beep(audio, 1_760, 0, 0.12);
      else {
        beep(audio, 330, 0, 0.18);
        beep(audio, 330, 0.24, 0.18);
      }
    }
  } catch {
    // no sound on this phone; the screen says it all
  }
  if ("vibrate" in navigator) navigator.vibrate(admit ? 80 : [200, 80, 200]);
}

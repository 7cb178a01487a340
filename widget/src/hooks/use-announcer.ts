import { useState } from 'preact/hooks';

/** The text of the polite live region, and the way to say something in it. */
export function useAnnouncer(): { message: string; announce(text: string): void } {
  const [message, setMessage] = useState('');
  return {
    message,
    announce: (text) => {
      // Clearing first makes a repeated identical message be read again.
      setMessage('');
      setTimeout(() => setMessage(text), 50);
    },
  };
}

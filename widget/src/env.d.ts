/// <reference types="vite/client" />
// `?inline` CSS imports are typed by Vite; this file makes the root tsconfig see them too.

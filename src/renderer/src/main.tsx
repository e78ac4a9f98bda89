import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { withDevProfiler } from './DevProfiler';
import { applyTheme, storedTheme } from './theme';
import './styles.css';

// Before the first render, so a dark choice never flashes light.
applyTheme(storedTheme());

createRoot(document.getElementById('root')!).render(<StrictMode>{withDevProfiler(<App />)}</StrictMode>);

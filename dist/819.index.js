var $=Object.defineProperty;var o=(e,l)=>$(e,"name",{value:l,configurable:!0});const c=819,E=[819],I={819:((e,l,t)=>{t.r(l),t.d(l,{runCliProcess:o(()=>P,"runCliProcess")});var a=t(3567);const m=[{name:"validate",summary:"Check a rollout spec; print every problem with file:line:column",load:o(async()=>(await Promise.all([t.e(8815),t.e(6921),t.e(131),t.e(7705),t.e(2575)]).then(t.bind(t,2575))).validateCommand,"load")},{name:"plan",summary:"Print the rollout timeline: stages, weights, bakes, gates, approvals, total time",load:o(async()=>(await Promise.all([t.e(8815),t.e(6921),t.e(131),t.e(7705),t.e(1754)]).then(t.bind(t,1754))).planCommand,"load")},{name:"run",summary:"Drive a rollout locally; run again to resume where it stopped",load:o(async()=>(await Promise.all([t.e(8815),t.e(6921),t.e(131),t.e(4285),t.e(7705),t.e(6033),t.e(8565),t.e(7868),t.e(8974)]).then(t.bind(t,7948))).runCommand,"load")},{name:"status",summary:"Show where the local rollout stands",load:o(async()=>(await Promise.all([t.e(8815),t.e(6921),t.e(131),t.e(4285),t.e(6033),t.e(6171)]).then(t.bind(t,6171))).statusCommand,"load")},{name:"schema",summary:"Print the JSON Schema of the rollout spec",load:o(async()=>(await Promise.all([t.e(6921),t.e(131),t.e(4285),t.e(5114)]).then(t.bind(t,5114))).schemaCommand,"load")},{name:"demo",summary:"Run the embedded demo: a healthy canary promoted, then a faulty one rolled back",load:o(async()=>(await Promise.all([t.e(8815),t.e(6921),t.e(131),t.e(5519),t.e(4285),t.e(7705),t.e(6033),t.e(8565),t.e(2156),t.e(7641)]).then(t.bind(t,7641))).demoCommand,"load")},{name:"backtest",summary:"Replay a past window through the spec's metric gates: what each check would have said",load:o(async()=>(await Promise.all([t.e(8815),t.e(6921),t.e(131),t.e(5519),t.e(4285),t.e(7705),t.e(7686)]).then(t.bind(t,7686))).backtestCommand,"load")},{name:"lint-migrations",summary:"Check PostgreSQL migrations for changes that break a zero-downtime deploy",load:o(async()=>(await Promise.all([t.e(8815),t.e(6921),t.e(8142),t.e(131),t.e(7488),t.e(4308),t.e(6590)]).then(t.bind(t,6590))).lintMigrationsCommand,"load")}];var g=t(1013);function v(){const d=Math.max(...m.map(s=>s.name.length));return`Rollgate ${g.x} \u2014 zero-downtime canary releases with metric gates and automatic rollback.

Usage: rollgate <command> [options]      rollgate <command> --help for details

Commands:
${m.map(s=>`  ${s.name.padEnd(d)}  ${s.summary}`).join(`
`)}

Exit codes: 0 promoted/ok, 1 rolled back, 2 bad input, 3 paused for approval, 4 error.
`}o(v,"usage");async function r(d,s){const[n,...i]=d;if(!n||n==="--help"||n==="-h"||n==="help")return s.stdout.write(v()),n?a.d.ok:a.d.badInput;if(n==="--version"||n==="-v")return s.stdout.write(`${g.x}
`),a.d.ok;const C=m.find(h=>h.name===n);if(!C)return s.stderr.write(`rollgate: unknown command "${n}"

${v()}`),a.d.badInput;const y=await C.load();if(i.includes("--help")||i.includes("-h"))return s.stdout.write(`${y.help}
`),a.d.ok;try{return await y.run(i,s)}catch(h){const f=h;return h instanceof a.e||f.code?.startsWith("ERR_PARSE_ARGS")?(s.stderr.write(`rollgate ${n}: ${f.message}

${y.help}
`),a.d.badInput):(s.stderr.write(`rollgate ${n}: ${f.message}
`),a.d.error)}}o(r,"main");function P(){const d=new AbortController;let s=0;for(const n of["SIGINT","SIGTERM"])process.on(n,()=>{s+=1,s>1&&process.exit(130),process.stderr.write(`
${n}: stopping (rolling back if a rollout is running); again to exit now
`),d.abort(new Error(n))});r(process.argv.slice(2),{stdout:process.stdout,stderr:process.stderr,env:process.env,cwd:process.cwd(),signal:d.signal}).then(n=>{process.exitCode=n})}o(P,"runCliProcess")}),3567:((e,l,t)=>{t.d(l,{d:o(()=>a,"d"),e:o(()=>m,"e")});const a={promoted:0,ok:0,rolledBack:1,badInput:2,paused:3,error:4};class m extends Error{static{o(this,"UsageError")}}})};export{c as id,E as ids,I as modules};

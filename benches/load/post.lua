-- wrk script for scripts/load: POST /delegation with the body in LOAD_BODY's file.
local file = io.open(os.getenv("LOAD_BODY"), "r")
wrk.method = "POST"
wrk.body = file:read("*a")
wrk.headers["Content-Type"] = "application/json"
file:close()

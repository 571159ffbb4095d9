-- Serve Streamlit's frontend files gzipped at the highest level, from memory (deploy/precompress.py makes them).
-- The directory comes from the environment variable GDINVERSE_STATIC_GZ; without it, or for a file that is not
-- there, or for a browser that does not accept gzip, nothing happens here and the request goes on to the
-- static_files backend (a replica, HAProxy's cache and its own compression).

local files = {}

core.register_init(function()
    local dir = os.getenv("GDINVERSE_STATIC_GZ")
    if not dir or dir == "" then return end
    local index = io.open(dir .. "/index.tsv", "r")
    if not index then
        core.Warning("static_gz: no " .. dir .. "/index.tsv; serving without it")
        return
    end
    local count = 0
    for line in index:lines() do
        local path, ctype, file = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
        if path then
            local handle = io.open(file, "rb")
            if handle then
                files[path] = { body = handle:read("a"), ctype = ctype }
                handle:close()
                count = count + 1
            end
        end
    end
    index:close()
    core.Info("static_gz: " .. count .. " gzipped files from " .. dir)
end)

-- http-request lua.static_gz: mark a GET that this service can answer.
core.register_action("static_gz", { "http-req" }, function(txn)
    local accepted = txn.sf:req_fhdr("accept-encoding") or ""
    if files[txn.sf:path()] and accepted:find("gzip", 1, true) then
        txn:set_var("txn.static_gz", 1)
    end
end)

core.register_service("static_gz", "http", function(applet)
    local file = files[applet.path]
    applet:set_status(200)
    applet:add_header("content-type", file.ctype)
    applet:add_header("content-encoding", "gzip")
    applet:add_header("content-length", tostring(#file.body))
    applet:add_header("cache-control", "public, max-age=31536000, immutable")
    applet:add_header("vary", "Accept-Encoding")
    applet:start_response()
    applet:send(file.body)
end)
